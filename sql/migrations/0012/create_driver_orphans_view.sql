-- create_driver_orphans_view: ops.v_driver_orphans as the project's quarantine list
-- (orphans.v_driver_orphans), same columns as revision 0003's. Run only where the name is not
-- CT4's own view (orphans.ct4_views): CT4's is kept as it is. Returns nothing.
create or replace view ops.v_driver_orphans as
select
    orphan.driver_id,
    orphan.person_key,
    orphan.detected_at,
    orphan.detected_reason,
    orphan.creation_rule,
    orphan.status,
    orphan.resolved_at,
    orphan.resolution_notes,
    orphan.primary_phone,
    orphan.primary_license,
    orphan.primary_full_name,
    orphan.driver_links_count,
    orphan.lead_events_count,
    orphan.evidence_json
from orphans.v_driver_orphans as orphan
