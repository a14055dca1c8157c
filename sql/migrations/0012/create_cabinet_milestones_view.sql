-- create_cabinet_milestones_view: ops.v_cabinet_milestones, the cabinet 14-day milestones each
-- cabinet-origin operational driver reached: M1 (1 trip) = 25, M5 (5 trips) = 35,
-- M25 (25 trips) = 100, counted in the 14 days after the lead date; read from the project's
-- funnel (orphans.v_cabinet_funnel_status), whatever ops.v_cabinet_funnel_status is. Same
-- columns as revision 0003's. Returns nothing.
create or replace view ops.v_cabinet_milestones as
select
    funnel.driver_id,
    funnel.person_key,
    funnel.lead_date,
    milestone.code as milestone,
    milestone.amount,
    funnel.trips_14d
from orphans.v_cabinet_funnel_status as funnel
inner join (
    values ('M1', 1, 25), ('M5', 5, 35), ('M25', 25, 100)
) as milestone (code, trips_required, amount)
    on funnel.trips_14d >= milestone.trips_required
where funnel.origin = 'module_ct_cabinet_leads'
