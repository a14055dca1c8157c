-- create_adopt_quarantine_rows_function: orphans.adopt_quarantine_rows(run_id), a running
-- execute adopts, under the pipeline lock and in its own transaction, every quarantine row that
-- appeared since the last adoption without a history (domain.md: CT4 wrote it, or anything
-- else did): one history row with from_status null, to_status and to_reason the row as found,
-- actor pipeline, this run's id, notes saying it was adopted and the row's evidence_json as
-- found. Changes no quarantine row. Revision 0013's function, planned without a hash join.
-- Returns bigint: the rows adopted.
create or replace function orphans.adopt_quarantine_rows(p_run_id text)
returns bigint
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
-- A merge of the quarantine's primary key with the history's (driver_id, id) index, in the
-- order the rows are written: the planner otherwise hashed every quarantine row with its
-- evidence to find none (0.2 s of every run at 1,000,000 drivers, growing with the quarantine).
set enable_hashjoin = off
begin atomic
    select orphans.require_run(p_run_id, true);
    select orphans.require_pipeline_lock();
    with adopted as (
        insert into canon.driver_orphan_quarantine_history (
            driver_id, from_status, to_status, from_reason, to_reason, actor, run_id, notes,
            evidence
        )
        select
            quarantine.driver_id,
            null,
            quarantine.status,
            null,
            quarantine.detected_reason,
            'pipeline',
            p_run_id,
            'adopted by the orphans pipeline (run ' || p_run_id || '): this quarantine row had '
            || 'no history (written outside the project, detected at '
            || quarantine.detected_at::text || ')',
            quarantine.evidence_json
        from canon.driver_orphan_quarantine as quarantine
        where not exists (
            select 1
            from canon.driver_orphan_quarantine_history as history
            where history.driver_id = quarantine.driver_id
        )
        order by quarantine.driver_id
        returning 1
    )
    select count(*) from adopted;
end
