-- create_record_quarantine_history_function: statement trigger function of
-- canon.driver_orphan_quarantine that appends the history row of every change of status or
-- reason, inside the statement that made it, so no such change can exist without its history.
-- Who and why come from transaction-local settings the writer sets first (orphans.actor, and
-- optionally orphans.run_id, orphans.notes, orphans.evidence); a change with no actor is
-- refused, and so is actor `pipeline` without a run id. For a pipeline run (orphans.run_id set,
-- no orphans.notes) the notes are the run's planned action and resolution notes from
-- orphans.run_outcomes, and the evidence is the row's evidence_json. SECURITY DEFINER: the
-- roles may not insert history themselves. Returns nothing (an AFTER ... FOR EACH STATEMENT
-- trigger).
create or replace function orphans.record_quarantine_history() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_actor text := nullif(btrim(current_setting('orphans.actor', true)), '');
    v_run_id text := nullif(current_setting('orphans.run_id', true), '');
    v_notes text := nullif(current_setting('orphans.notes', true), '');
    v_evidence jsonb := nullif(current_setting('orphans.evidence', true), '')::jsonb;
begin
    if tg_op = 'UPDATE' then
        if exists (
            select 1
            from new_rows
            where not exists (
                select 1 from old_rows where old_rows.driver_id = new_rows.driver_id
            )
        ) then
            raise exception 'the driver_id of a canon.driver_orphan_quarantine row never changes'
                using errcode = 'integrity_constraint_violation';
        end if;
        if v_actor is null and exists (
            select 1
            from new_rows
            inner join old_rows
                on old_rows.driver_id = new_rows.driver_id
            where (old_rows.status, old_rows.detected_reason)
                is distinct from (new_rows.status, new_rows.detected_reason)
        ) then
            raise exception 'a change of status or reason of canon.driver_orphan_quarantine needs an actor'
                using errcode = 'integrity_constraint_violation',
                      hint = 'In the same transaction first: select set_config(''orphans.actor'', <who>, true)';
        end if;
    elsif v_actor is null and exists (select 1 from new_rows) then
        raise exception 'a new canon.driver_orphan_quarantine row needs an actor'
            using errcode = 'integrity_constraint_violation',
                  hint = 'In the same transaction first: select set_config(''orphans.actor'', <who>, true)';
    end if;
    if v_actor = 'pipeline' and v_run_id is null then
        raise exception 'actor pipeline needs the run id (orphans.run_id)'
            using errcode = 'integrity_constraint_violation';
    end if;

    if tg_op = 'UPDATE' then
        insert into canon.driver_orphan_quarantine_history (
            driver_id, from_status, to_status, from_reason, to_reason, actor, run_id, notes,
            evidence
        )
        select
            new_rows.driver_id,
            old_rows.status,
            new_rows.status,
            old_rows.detected_reason,
            new_rows.detected_reason,
            v_actor,
            v_run_id,
            coalesce(v_notes, outcome.action || coalesce(': ' || outcome.resolution_notes, '')),
            coalesce(v_evidence, new_rows.evidence_json)
        from new_rows
        inner join old_rows
            on old_rows.driver_id = new_rows.driver_id
        left join orphans.run_outcomes as outcome
            on outcome.run_id = v_run_id
            and outcome.driver_id = new_rows.driver_id
        where (old_rows.status, old_rows.detected_reason)
            is distinct from (new_rows.status, new_rows.detected_reason)
        order by new_rows.driver_id;
    else
        insert into canon.driver_orphan_quarantine_history (
            driver_id, from_status, to_status, from_reason, to_reason, actor, run_id, notes,
            evidence
        )
        select
            new_rows.driver_id,
            null,
            new_rows.status,
            null,
            new_rows.detected_reason,
            v_actor,
            v_run_id,
            coalesce(v_notes, outcome.action || coalesce(': ' || outcome.resolution_notes, '')),
            coalesce(v_evidence, new_rows.evidence_json)
        from new_rows
        left join orphans.run_outcomes as outcome
            on outcome.run_id = v_run_id
            and outcome.driver_id = new_rows.driver_id
        order by new_rows.driver_id;
    end if;
    return null;
end
$$
