-- insert_demo_drivers: the drivers, with real-world formatting noise on the cases matched by
-- license or phone, and the ambiguous case sharing a healthy driver's phone. Returns nothing.
insert into public.drivers (
    driver_id, park_id, phone, license_number, license_normalized_number, full_name, hire_date,
    created_at
)
select
    plan.driver_id,
    'park_' || (plan.h % 7),
    case
        when plan.kind = 'l2_phone' then '+51 ' || substr(plan.phone, 1, 3) || ' '
            || substr(plan.phone, 4, 3) || ' ' || substr(plan.phone, 7, 3)
        when plan.kind = 'ambiguous' then shared.phone
        else plan.phone
    end,
    case when plan.kind = 'l2_license' then lower('q-' || substr(plan.license, 2)) else plan.license end,
    case when plan.kind = 'l2_license' then 'N/A' else plan.license end,
    plan.full_name,
    plan.lead_date + 3,
    plan.lead_date::timestamptz
from demo_plan as plan
left join demo_plan as shared
    on shared.i = plan.i - 85
