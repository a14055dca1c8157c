-- insert_demo_trips: daily trips in public.summary_daily (date_file DD-MM-YYYY) for one driver
-- in three, over the 14 days after the lead date, so the claims milestones (25, 35, 100 trips)
-- are reached by some and not others. Returns nothing.
insert into public.summary_daily (
    driver_id, date_file, count_orders_completed, sum_work_time_seconds
)
select
    plan.driver_id,
    to_char(plan.lead_date + 1 + day * 3, 'DD-MM-YYYY'),
    ((plan.h / 7 + day) % (4 + plan.h % 25))::int,
    ((plan.h / 11 + day * 3600) % 40000)::int
from demo_plan as plan
cross join generate_series(0, 4) as day
where plan.i % 3 = 0
