-- select_driver_story: driver :driver_id's current quarantine row as orphans.v_driver_orphans
-- shows it, with its evidence. Returns zero or one row.
select
    orphan.driver_id,
    orphan.person_key::text as person_key,
    orphan.status,
    orphan.detected_reason,
    orphan.detected_at,
    orphan.creation_rule,
    orphan.resolved_at,
    orphan.resolution_notes,
    orphan.primary_phone,
    orphan.primary_license,
    orphan.primary_full_name,
    orphan.driver_links_count,
    orphan.lead_events_count,
    orphan.evidence_json
from orphans.v_driver_orphans as orphan
where orphan.driver_id = :driver_id
