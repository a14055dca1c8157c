-- create_driver_origin_view: ops.v_driver_origin, revision 0010's view (same name, columns and
-- plan) with every lead date read as a date whatever CT4's column type (cabinet lead_created_at
-- is a timestamp in CT4): each operational driver's origin, the first lead link of its person
-- (by snapshot date, then id), and its lead date (the lead row's own date, else the link's
-- snapshot date). Each driver looks its first lead link and that one lead row up by index
-- (lateral, limit 1), so memory stays flat at any size. Returns nothing.
create or replace view ops.v_driver_origin as
select
    operational.driver_id,
    operational.person_key,
    first_lead.source_table as origin,
    first_lead.source_pk as origin_pk,
    coalesce(lead_row.lead_date, first_lead.snapshot_date::date) as lead_date
from ops.v_operational_drivers as operational
left join lateral (
    select
        lead_link.source_table,
        lead_link.source_pk,
        lead_link.snapshot_date
    from orphans.lead_links as lead_link
    where lead_link.person_key = operational.person_key
    order by lead_link.snapshot_date, lead_link.id
    limit 1
) as first_lead on true
left join lateral (
    select cabinet.lead_created_at::date as lead_date
    from public.module_ct_cabinet_leads as cabinet
    where first_lead.source_table = 'module_ct_cabinet_leads'
        and orphans.cabinet_source_pk(cabinet.external_id, cabinet.id) = first_lead.source_pk
    union all
    select scouting.registration_date::date
    from public.module_ct_scouting_daily as scouting
    where first_lead.source_table = 'module_ct_scouting_daily'
        and scouting.id = orphans.source_pk_id(first_lead.source_pk)
    union all
    select migration.hire_date::date
    from public.module_ct_migrations as migration
    where first_lead.source_table = 'module_ct_migrations'
        and migration.id = orphans.source_pk_id(first_lead.source_pk)
    limit 1
) as lead_row on true
