-- create_cabinet_funnel_status_view: ops.v_cabinet_funnel_status (C1), one row per operational
-- driver: origin, lead date, first trip, trips in the 14 days after the lead, funnel status
-- (no_origin, registered, active_within_14d, active_later). Returns nothing.
create or replace view ops.v_cabinet_funnel_status as
with first_trips as (
    select
        trips.driver_id,
        min(trips.trip_date) as first_trip_date
    from ops.v_driver_trips as trips
    group by trips.driver_id
),

trips_14d as (
    select
        origin.driver_id,
        sum(trips.trips) as trips_14d
    from ops.v_driver_origin as origin
    inner join ops.v_driver_trips as trips
        on trips.driver_id = origin.driver_id
        and trips.trip_date between origin.lead_date and origin.lead_date + 14
    group by origin.driver_id
)

select
    origin.driver_id,
    origin.person_key,
    origin.origin,
    origin.lead_date,
    first_trips.first_trip_date,
    coalesce(trips_14d.trips_14d, 0) as trips_14d,
    case
        when origin.origin is null then 'no_origin'
        when first_trips.first_trip_date is null then 'registered'
        when first_trips.first_trip_date <= origin.lead_date + 14 then 'active_within_14d'
        else 'active_later'
    end as funnel_status
from ops.v_driver_origin as origin
left join first_trips
    on first_trips.driver_id = origin.driver_id
left join trips_14d
    on trips_14d.driver_id = origin.driver_id
