-- create_review_decisions_function: orphans.review_decisions(decisions, reviewer, preview), the
-- one door of every review (the CLI, the API, the page, a bulk file, the launchpad's review
-- job): under the pipeline lock, each decision ({line, action, driver_id, notes, source_table,
-- source_pk}) is checked and written by orphans.decide in a savepoint of its own, so one that is
-- refused is reported (its SQLSTATE and message) and the next still judged on the state the
-- earlier ones left. All or nothing: a preview, or a list with any refused decision, takes
-- every write of the call back before it returns, so a caller that commits anyway commits
-- nothing; a preview consumes no sequence value (orphans.next_id) and shows the ids an execute
-- would get. The reviewer may not take a name reserved for the pipeline. Returns jsonb:
-- {executed, lines: [{line, ok, outcome | code, message}]}.
create or replace function orphans.review_decisions(
    p_decisions jsonb, p_reviewer text, p_preview boolean
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_decision jsonb;
    v_outcome jsonb;
    v_lines jsonb := '[]'::jsonb;
    v_failed boolean := false;
begin
    perform orphans.require_pipeline_lock();
    if p_reviewer is null or btrim(p_reviewer) = '' or orphans.is_reserved_actor(p_reviewer) then
        raise exception 'reviewer name % is reserved for the pipeline, empty or not plain text: use your own name',
            coalesce(quote_literal(p_reviewer), 'NULL')
            using errcode = 'OR400';
    end if;
    if jsonb_typeof(p_decisions) is distinct from 'array' then
        raise exception 'the decisions are not a JSON array' using errcode = 'OR400';
    end if;
    perform set_config('orphans.preview', case when p_preview then 'on' else 'off' end, true);
    begin
        for v_decision in select value from jsonb_array_elements(p_decisions) loop
            begin
                v_outcome := orphans.decide(
                    v_decision ->> 'action',
                    v_decision ->> 'driver_id',
                    p_reviewer,
                    coalesce(v_decision ->> 'notes', ''),
                    v_decision ->> 'source_table',
                    v_decision ->> 'source_pk'
                );
                v_lines := v_lines || jsonb_build_array(jsonb_build_object(
                    'line', v_decision -> 'line', 'ok', true, 'outcome', v_outcome
                ));
            exception when sqlstate 'OR400' or sqlstate 'OR404' or sqlstate 'OR409' then
                v_failed := true;
                v_lines := v_lines || jsonb_build_array(jsonb_build_object(
                    'line', v_decision -> 'line', 'ok', false, 'code', sqlstate,
                    'message', sqlerrm
                ));
            end;
        end loop;
        if p_preview or v_failed then
            raise exception 'take this call''s writes back' using errcode = 'OR000';
        end if;
    exception when sqlstate 'OR000' then
        null;
    end;
    perform
        set_config('orphans.preview', 'off', true),
        set_config('orphans.actor', '', true),
        set_config('orphans.notes', '', true),
        set_config('orphans.evidence', '', true);
    return jsonb_build_object('executed', not p_preview and not v_failed, 'lines', v_lines);
end
$$
