-- adopt_quarantine_rows: adopt every quarantine row that has no history yet (CT4 wrote it
-- before the project, or anything else did): one history row with from_status null, to_status
-- and to_reason the row as found, actor pipeline, notes saying it was adopted, and evidence the
-- row's evidence_json as found (its original evidence is never lost, whatever a run writes
-- later). `db upgrade` adopts what it finds here; a run adopts what appeared since. Changes no
-- quarantine row. Returns nothing.
insert into canon.driver_orphan_quarantine_history (
    driver_id, from_status, to_status, from_reason, to_reason, actor, run_id, notes, evidence
)
select
    quarantine.driver_id,
    null,
    quarantine.status,
    null,
    quarantine.detected_reason,
    'pipeline',
    null,
    'adopted by orphans-pipeline db upgrade: this quarantine row had no history (written '
    || 'before the project, detected at ' || quarantine.detected_at::text || ')',
    quarantine.evidence_json
from canon.driver_orphan_quarantine as quarantine
where not exists (
    select 1
    from canon.driver_orphan_quarantine_history as history
    where history.driver_id = quarantine.driver_id
)
order by quarantine.driver_id
