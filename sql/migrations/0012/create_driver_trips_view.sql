-- create_driver_trips_view: ops.v_driver_trips, trips per operational driver and day from
-- public.summary_daily (date_file is DD-MM-YYYY; a malformed one is skipped, not an error).
-- Revision 0003's view, created here where 0003 did not run its files. Returns nothing.
create or replace view ops.v_driver_trips as
select
    operational.driver_id,
    orphans.parse_date_file(trips.date_file) as trip_date,
    trips.count_orders_completed as trips,
    trips.sum_work_time_seconds as work_seconds
from ops.v_operational_drivers as operational
inner join public.summary_daily as trips
    on trips.driver_id = operational.driver_id
where orphans.parse_date_file(trips.date_file) is not null
    and coalesce(trips.count_orders_completed, 0) > 0
