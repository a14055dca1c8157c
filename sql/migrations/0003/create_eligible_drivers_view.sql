-- create_eligible_drivers_view: ops.v_eligible_drivers, operational drivers with an origin lead
-- and at least one trip: the ones the fleet partner may pay or claim for. Returns nothing.
create or replace view ops.v_eligible_drivers as
select
    funnel.driver_id,
    funnel.person_key,
    funnel.origin,
    funnel.lead_date,
    funnel.first_trip_date
from ops.v_cabinet_funnel_status as funnel
where funnel.origin is not null
    and funnel.first_trip_date is not null
