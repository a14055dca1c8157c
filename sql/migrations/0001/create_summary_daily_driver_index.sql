-- create_summary_daily_driver_index: trips are read per driver by the funnel and claims views.
-- Returns nothing.
create index if not exists summary_daily_driver_id_idx
    on public.summary_daily (driver_id)
