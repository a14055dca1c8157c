-- insert_demo_migration_leads: fleet migration lead rows (id = the driver's row number).
-- Returns nothing.
insert into public.module_ct_migrations (
    id, driver_id, scout_id, driver_name, scout_name, hire_date, created_at, updated_at
)
select
    plan.i,
    plan.driver_id,
    1 + plan.h % 40,
    plan.full_name,
    'scout ' || (1 + plan.h % 40),
    plan.lead_date + 3,
    plan.lead_date::timestamptz,
    plan.lead_date::timestamptz
from demo_plan as plan
where (plan.kind = 'healthy' and plan.healthy_lead_table = 'module_ct_migrations')
    or plan.kind in ('l1_nested', 'l3_only', 'conflict', 'prior_repairable')
