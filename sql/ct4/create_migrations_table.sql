-- create_migrations_table: fleet migration leads (public.module_ct_migrations), if absent.
-- Returns nothing.
create table if not exists public.module_ct_migrations (
    id serial primary key,
    driver_id varchar,
    scout_id int,
    driver_name varchar,
    scout_name varchar,
    hire_date date,
    created_at timestamp default now(),
    updated_at timestamp
)
