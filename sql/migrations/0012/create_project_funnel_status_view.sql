-- create_project_funnel_status_view: orphans.v_cabinet_funnel_status, the project's C1 funnel,
-- one row per operational driver: origin, lead date, first trip, trips in the 14 days after the
-- lead, funnel status (no_origin, registered, active_within_14d, active_later). Its own name, in
-- the project's schema: on CT4, ops.v_cabinet_funnel_status is CT4's own view (other columns,
-- CT4's stages), which the project keeps; the project's milestones, claims and eligible drivers
-- read this one. Returns nothing.
create or replace view orphans.v_cabinet_funnel_status as
with per_driver as (
    select
        origin.driver_id,
        origin.person_key,
        origin.origin,
        origin.lead_date,
        min(trips.trip_date) as first_trip_date,
        coalesce(
            sum(trips.trips) filter (
                where trips.trip_date between origin.lead_date and origin.lead_date + 14
            ),
            0
        ) as trips_14d
    from ops.v_driver_origin as origin
    left join ops.v_driver_trips as trips
        on trips.driver_id = origin.driver_id
    group by origin.driver_id, origin.person_key, origin.origin, origin.lead_date
)

select
    per_driver.driver_id,
    per_driver.person_key,
    per_driver.origin,
    per_driver.lead_date,
    per_driver.first_trip_date,
    per_driver.trips_14d,
    case
        when per_driver.origin is null then 'no_origin'
        when per_driver.first_trip_date is null then 'registered'
        when per_driver.first_trip_date <= per_driver.lead_date + 14 then 'active_within_14d'
        else 'active_later'
    end as funnel_status
from per_driver
