-- select_recorded_driver_links: the driver links the guard recorded in record mode since
-- :since (their person had no lead link when they were committed), oldest first: how many, and
-- up to 20 driver ids. Returns one row: recorded, driver_ids.
with recorded as (
    select recorded.driver_id, recorded.id
    from orphans.recorded_driver_links as recorded
    where recorded.recorded_at >= cast(:since as timestamptz)
)

select
    (select count(*) from recorded) as recorded,
    array(select recorded.driver_id from recorded order by recorded.id limit 20) as driver_ids
