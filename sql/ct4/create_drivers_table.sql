-- create_drivers_table: the fleet partner's drivers (public.drivers), if absent. Returns nothing.
create table if not exists public.drivers (
    driver_id varchar primary key,
    park_id varchar,
    phone varchar,
    license_number varchar,
    license_normalized_number varchar,
    full_name varchar,
    hire_date date,
    created_at timestamp
)
