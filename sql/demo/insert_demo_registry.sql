-- insert_demo_registry: one person per demo driver. Returns nothing.
insert into canon.identity_registry (
    person_key, confidence_level, primary_phone, primary_license, primary_full_name, flags
)
select
    plan.person_key,
    'HIGH'::confidencelevel,
    plan.phone,
    plan.license,
    plan.full_name,
    jsonb_build_object('demo', true)
from demo_plan as plan
