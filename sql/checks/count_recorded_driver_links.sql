-- count_recorded_driver_links: the driver links the prevention guard recorded in record mode
-- (accepted although their person had no lead link: CT4's own ingestion writes them) since the
-- last successful execute before run :run_id, or ever when there was none. There should be
-- none once CT4's ingestion writes the lead link first; until then the run treats their
-- drivers as the orphans they are. Returns one row: recorded (count), driver_ids (up to 20),
-- since (the start of that execute, or `ever`).
with since as (
    select max(run.started_at) as started_at
    from orphans.runs as run
    where run.mode = 'execute'
        and run.status = 'succeeded'
        and run.run_id <> :run_id
),

recorded as (
    select recorded.id, recorded.driver_id
    from orphans.recorded_driver_links as recorded
    cross join since
    where since.started_at is null
        or recorded.recorded_at >= since.started_at
)

select
    (select count(*) from recorded) as recorded,
    array(select recorded.driver_id from recorded order by recorded.id limit 20) as driver_ids,
    (select coalesce(since.started_at::text, 'ever') from since) as since
