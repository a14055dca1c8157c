-- create_upsert_driver_orphan_quarantine_function: orphans.upsert_driver_orphan_quarantine(
-- run_id), write the running execute's outcomes to canon.driver_orphan_quarantine under the
-- pipeline lock: a new driver gets its row (detected_at = now); an existing row keeps
-- detected_at and takes the new status, reason, creation_rule, person and evidence;
-- resolved_at and resolution_notes are set when the status changes; a row whose content would
-- not change is not touched (a second run writes nothing); an existing row is written only
-- while its status is still the one the run judged it from (a reviewer's decision taken since
-- is kept). The actor is bound here, never by the caller: `pipeline`, with this registered run
-- id; the table's trigger appends the history in the same statement. Revision 0013's function,
-- with room to sort the outcomes, evidence included, in memory (PostgreSQL's default 4 MB
-- wrote 62 MB to disk and read it back in a first execute at 1,000,000 drivers: 0.3 s); above
-- that setting, as at 10,000,000 drivers, the sort goes to disk as before. Returns bigint: the
-- rows written.
create or replace function orphans.upsert_driver_orphan_quarantine(p_run_id text)
returns bigint
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
set work_mem = '128MB'
begin atomic
    select orphans.require_run(p_run_id, true);
    select orphans.require_pipeline_lock();
    select
        set_config('orphans.actor', 'pipeline', true),
        set_config('orphans.run_id', p_run_id, true),
        set_config('orphans.notes', '', true),
        set_config('orphans.evidence', '', true),
        set_config('orphans.preview', 'off', true);
    with written as (
        insert into canon.driver_orphan_quarantine as quarantine (
            driver_id,
            person_key,
            detected_reason,
            creation_rule,
            evidence_json,
            status,
            resolved_at,
            resolution_notes
        )
        select
            outcome.driver_id,
            outcome.person_key,
            outcome.detected_reason::orphan_detected_reason,
            outcome.creation_rule,
            outcome.evidence_json,
            outcome.status::orphan_status,
            case when outcome.status <> 'quarantined' then now() end,
            outcome.resolution_notes
        from orphans.run_outcomes as outcome
        where outcome.run_id = p_run_id
        order by outcome.driver_id
        on conflict (driver_id) do update
        set
            person_key = excluded.person_key,
            detected_reason = excluded.detected_reason,
            creation_rule = excluded.creation_rule,
            evidence_json = excluded.evidence_json,
            status = excluded.status,
            resolved_at = case
                when excluded.status = quarantine.status then quarantine.resolved_at
                else excluded.resolved_at
            end,
            resolution_notes = case
                when excluded.status = quarantine.status then quarantine.resolution_notes
                else excluded.resolution_notes
            end
        where quarantine.status::text is not distinct from (
            select planned.prior_status
            from orphans.run_outcomes as planned
            where planned.run_id = p_run_id
                and planned.driver_id = excluded.driver_id
        )
        and (
            quarantine.person_key,
            quarantine.detected_reason,
            quarantine.creation_rule,
            quarantine.evidence_json,
            quarantine.status
        ) is distinct from (
            excluded.person_key,
            excluded.detected_reason,
            excluded.creation_rule,
            excluded.evidence_json,
            excluded.status
        )
        returning 1
    )
    select count(*) from written;
end
