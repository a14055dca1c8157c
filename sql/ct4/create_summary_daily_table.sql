-- create_summary_daily_table: daily trips per driver (public.summary_daily), if absent.
-- date_file is CT4's DD-MM-YYYY text. Returns nothing.
create table if not exists public.summary_daily (
    driver_id varchar,
    date_file varchar,
    count_orders_completed int,
    sum_work_time_seconds int
)
