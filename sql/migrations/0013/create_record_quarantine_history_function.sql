-- create_record_quarantine_history_function: the statement trigger function of
-- canon.driver_orphan_quarantine (revision 0006's triggers) appends a history row for every new
-- row and for every change of any of its columns, inside the statement that makes it. Who and
-- why come from transaction-local settings that the project's writing functions set themselves
-- (orphans.actor, orphans.run_id, orphans.notes, orphans.evidence): no role may write the
-- quarantine directly, so no caller can name another actor. A new row, and a change of status or
-- reason, with no actor are refused; any other change made outside the project (an owner's
-- edit, a person deleted in the registry setting person_key to null) is recorded under the
-- database role that made it. Actor `pipeline` must name a run registered in orphans.runs; a
-- reviewer may not take a reserved name. While a review previews (orphans.preview = 'on'),
-- history ids are negative and consume no sequence value. SECURITY DEFINER: the roles may not
-- insert history themselves. Returns nothing (an AFTER ... FOR EACH STATEMENT trigger).
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
    v_sequence regclass := pg_get_serial_sequence(
        'canon.driver_orphan_quarantine_history', 'id'
    )::regclass;
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
                      hint = 'The quarantine is written through the project''s functions '
                          '(orphans.review_decisions, a run''s orphans.upsert_driver_orphan_quarantine).';
        end if;
    elsif v_actor is null and exists (select 1 from new_rows) then
        raise exception 'a new canon.driver_orphan_quarantine row needs an actor'
            using errcode = 'integrity_constraint_violation',
                  hint = 'The quarantine is written through the project''s functions.';
    end if;
    if v_actor = 'pipeline' and not exists (
        select 1 from orphans.runs as run where run.run_id = v_run_id
    ) then
        raise exception 'actor pipeline needs the id of a run registered in orphans.runs'
            using errcode = 'integrity_constraint_violation';
    end if;
    if v_actor is not null and v_actor <> 'pipeline' and orphans.is_reserved_actor(v_actor) then
        raise exception 'actor % is reserved for the pipeline', quote_literal(v_actor)
            using errcode = 'integrity_constraint_violation';
    end if;

    if tg_op = 'UPDATE' then
        insert into canon.driver_orphan_quarantine_history (
            id, driver_id, from_status, to_status, from_reason, to_reason, actor, run_id,
            notes, evidence
        )
        select
            orphans.next_id(v_sequence),
            new_rows.driver_id,
            old_rows.status,
            new_rows.status,
            old_rows.detected_reason,
            new_rows.detected_reason,
            coalesce(v_actor, session_user::text),
            v_run_id,
            coalesce(
                v_notes,
                outcome.action || coalesce(': ' || outcome.resolution_notes, ''),
                case
                    when v_actor is null then
                        'changed outside the orphans pipeline by database role '
                        || session_user::text
                end
            ),
            coalesce(v_evidence, new_rows.evidence_json)
        from new_rows
        inner join old_rows
            on old_rows.driver_id = new_rows.driver_id
        left join orphans.run_outcomes as outcome
            on outcome.run_id = v_run_id
            and outcome.driver_id = new_rows.driver_id
        where row(old_rows.*) is distinct from row(new_rows.*)
        order by new_rows.driver_id;
    else
        insert into canon.driver_orphan_quarantine_history (
            id, driver_id, from_status, to_status, from_reason, to_reason, actor, run_id,
            notes, evidence
        )
        select
            orphans.next_id(v_sequence),
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
