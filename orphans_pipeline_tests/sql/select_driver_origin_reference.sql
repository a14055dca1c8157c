-- select_driver_origin_reference: ops.v_driver_origin as revision 0003 defined it (left joins,
-- DISTINCT ON), the reference the bounded definition of revision 0007 must equal.
-- Returns driver_id, person_key, origin, origin_pk, lead_date per operational driver.
select distinct on (operational.driver_id)
    operational.driver_id,
    operational.person_key,
    lead_link.source_table as origin,
    lead_link.source_pk as origin_pk,
    coalesce(
        cabinet.lead_created_at,
        scouting.registration_date,
        migration.hire_date,
        lead_link.snapshot_date::date
    ) as lead_date
from ops.v_operational_drivers as operational
left join canon.identity_links as lead_link
    on lead_link.person_key = operational.person_key
    and lead_link.source_table = any (orphans.lead_tables())
left join public.module_ct_cabinet_leads as cabinet
    on lead_link.source_table = 'module_ct_cabinet_leads'
    and coalesce(cabinet.external_id, cabinet.id::text) = lead_link.source_pk
left join public.module_ct_scouting_daily as scouting
    on lead_link.source_table = 'module_ct_scouting_daily'
    and scouting.id = orphans.source_pk_id(lead_link.source_pk)
left join public.module_ct_migrations as migration
    on lead_link.source_table = 'module_ct_migrations'
    and migration.id = orphans.source_pk_id(lead_link.source_pk)
order by operational.driver_id, lead_link.snapshot_date, lead_link.id
