-- insert_demo_cabinet_leads: cabinet lead rows (id = the driver's row number; half with an
-- external_id, which is then their source_pk). Returns nothing.
insert into public.module_ct_cabinet_leads (
    id, external_id, first_name, last_name, park_phone, asset_plate_number, asset_model,
    lead_created_at, status, created_at
)
select
    plan.i,
    case when plan.i % 2 = 0 then 'CAB-' || plan.i end,
    split_part(plan.full_name, ' ', 1),
    split_part(plan.full_name, ' ', 2),
    plan.phone,
    'ABC-' || (plan.h % 1000),
    (array['Toyota Yaris', 'Kia Rio', 'Hyundai Accent'])[1 + plan.h % 3],
    plan.lead_date,
    'converted',
    plan.lead_date::timestamptz
from demo_plan as plan
where (plan.kind = 'healthy' and plan.healthy_lead_table = 'module_ct_cabinet_leads')
    or plan.kind in ('l1_numeric', 'l2_phone', 'prior_released')
