-- select_driver_detail: what the review page's detail view shows of driver :driver_id: its
-- quarantine row as orphans.v_driver_orphans shows it (with the evidence the pipeline recorded),
-- its public.drivers row (phone and license also normalised as the rules compare them), its
-- registry person, its driver link as it is now (null once purged) and whether the person has a
-- lead link now (orphans.lead_links). Returns zero or one row.
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
    orphan.evidence_json,
    registry.confidence_level::text as registry_confidence,
    registry.primary_document,
    registry.created_at as registry_created_at,
    driver.driver_id is not null as driver_exists,
    driver.park_id,
    driver.full_name as driver_full_name,
    driver.phone as driver_phone,
    orphans.normalize_phone(driver.phone) as driver_phone_key,
    driver.license_number as driver_license_number,
    driver.license_normalized_number as driver_license_normalized_number,
    orphans.driver_license_key(driver.license_normalized_number, driver.license_number)
        as driver_license_key,
    driver.hire_date as driver_hire_date,
    driver_link.id as driver_link_id,
    driver_link.match_rule as driver_link_match_rule,
    driver_link.match_score as driver_link_match_score,
    driver_link.confidence_level::text as driver_link_confidence,
    driver_link.linked_at as driver_link_linked_at,
    driver_link.evidence as driver_link_evidence,
    exists (
        select 1
        from orphans.lead_links as lead_link
        where lead_link.person_key = orphan.person_key
    ) as person_has_lead_link
from orphans.v_driver_orphans as orphan
left join canon.identity_registry as registry
    on registry.person_key = orphan.person_key
left join public.drivers as driver
    on driver.driver_id = orphan.driver_id
left join canon.identity_links as driver_link
    on driver_link.source_table = 'drivers'
    and driver_link.source_pk = orphan.driver_id
where orphan.driver_id = :driver_id
