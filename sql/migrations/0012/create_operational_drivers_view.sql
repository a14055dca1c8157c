-- create_operational_drivers_view: ops.v_operational_drivers, the one relation every ops view of
-- the project reads drivers through. A driver is operational iff it has a driver link and is not
-- in quarantine with status quarantined or purged. Revision 0003's view, its date read as a
-- date whatever CT4's column type (date, timestamp or timestamptz). Returns nothing.
create or replace view ops.v_operational_drivers as
select
    driver.driver_id,
    driver_link.person_key,
    driver.park_id,
    driver.full_name,
    driver.phone,
    driver.hire_date::date as hire_date,
    driver_link.match_rule as driver_link_rule
from public.drivers as driver
inner join canon.identity_links as driver_link
    on driver_link.source_table = 'drivers'
    and driver_link.source_pk = driver.driver_id
where not exists (
    select 1
    from canon.driver_orphan_quarantine as quarantine
    where quarantine.driver_id = driver.driver_id
        and quarantine.status in ('quarantined', 'purged')
)
