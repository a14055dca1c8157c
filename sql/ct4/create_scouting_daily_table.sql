-- create_scouting_daily_table: scouting leads (public.module_ct_scouting_daily), if absent.
-- Returns nothing.
create table if not exists public.module_ct_scouting_daily (
    id serial primary key,
    scout_id int,
    driver_name varchar,
    driver_phone varchar,
    driver_license varchar,
    registration_date date,
    acquisition_method varchar,
    created_at timestamp default now()
)
