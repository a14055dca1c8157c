-- insert_demo_scouting_leads: scouting lead rows (id = the driver's row number); the
-- lead-missing case deliberately has none. Returns nothing.
insert into public.module_ct_scouting_daily (
    id, scout_id, driver_name, driver_phone, driver_license, registration_date,
    acquisition_method, created_at
)
select
    plan.i,
    1 + plan.h % 40,
    plan.full_name,
    plan.phone,
    plan.license,
    plan.lead_date,
    (array['street', 'referral', 'event'])[1 + plan.h % 3],
    plan.lead_date::timestamptz
from demo_plan as plan
where (plan.kind = 'healthy' and plan.healthy_lead_table = 'module_ct_scouting_daily')
    or plan.kind in ('l1_direct', 'l2_license', 'ambiguous')
