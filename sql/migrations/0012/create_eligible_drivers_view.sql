-- create_eligible_drivers_view: ops.v_eligible_drivers, operational drivers with an origin lead
-- and at least one trip: the ones the fleet partner may pay or claim for; read from the
-- project's funnel. Same columns as revision 0003's. Returns nothing.
create or replace view ops.v_eligible_drivers as
select
    funnel.driver_id,
    funnel.person_key,
    funnel.origin,
    funnel.lead_date,
    funnel.first_trip_date
from orphans.v_cabinet_funnel_status as funnel
where funnel.origin is not null
    and funnel.first_trip_date is not null
