-- create_project_driver_orphans_view: orphans.v_driver_orphans, the quarantine list the project
-- reads (its API, page and CLI): every quarantine row with its person's registry phone, license
-- and name, its driver links count, and its lead events count as the pipeline counted them by
-- the evidence rules (kept in evidence_json). Its own name: on CT4, ops.v_driver_orphans is
-- CT4's view, whose columns and counts stay CT4's. Returns nothing.
create or replace view orphans.v_driver_orphans as
select
    quarantine.driver_id,
    quarantine.person_key,
    quarantine.detected_at,
    quarantine.detected_reason::text as detected_reason,
    quarantine.creation_rule,
    quarantine.status::text as status,
    quarantine.resolved_at,
    quarantine.resolution_notes,
    registry.primary_phone,
    registry.primary_license,
    registry.primary_full_name,
    (
        select count(*)
        from canon.identity_links as driver_link
        where driver_link.person_key = quarantine.person_key
            and driver_link.source_table = 'drivers'
    ) as driver_links_count,
    coalesce((quarantine.evidence_json ->> 'lead_events_count')::int, 0) as lead_events_count,
    quarantine.evidence_json
from canon.driver_orphan_quarantine as quarantine
left join canon.identity_registry as registry
    on registry.person_key = quarantine.person_key
