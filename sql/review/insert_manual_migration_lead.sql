-- insert_manual_migration_lead: the missing lead a reviewer creates for driver :driver_id, as
-- a module_ct_migrations row from the driver's own data. Returns the new lead id.
insert into public.module_ct_migrations (
    driver_id, driver_name, hire_date, created_at, updated_at
)
select
    driver.driver_id,
    driver.full_name,
    driver.hire_date,
    now(),
    now()
from public.drivers as driver
where driver.driver_id = :driver_id
returning id
