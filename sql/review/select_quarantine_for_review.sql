-- select_quarantine_for_review: the quarantine row of driver :driver_id, locked for the
-- review that reads it, with its driver link (if any). Returns zero or one row.
select
    quarantine.driver_id,
    quarantine.person_key::text as person_key,
    quarantine.status::text as status,
    quarantine.detected_reason::text as detected_reason,
    driver_link.id as driver_link_id
from canon.driver_orphan_quarantine as quarantine
left join canon.identity_links as driver_link
    on driver_link.source_table = 'drivers'
    and driver_link.source_pk = quarantine.driver_id
where quarantine.driver_id = :driver_id
for update of quarantine
