-- create_cabinet_funnel_status_view: ops.v_cabinet_funnel_status (C1) as the project's funnel
-- (orphans.v_cabinet_funnel_status), same columns as revision 0003's. Run only where the name
-- is not CT4's own view (orphans.ct4_views): CT4's is kept as it is. Returns nothing.
create or replace view ops.v_cabinet_funnel_status as
select
    funnel.driver_id,
    funnel.person_key,
    funnel.origin,
    funnel.lead_date,
    funnel.first_trip_date,
    funnel.trips_14d,
    funnel.funnel_status
from orphans.v_cabinet_funnel_status as funnel
