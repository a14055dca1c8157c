-- create_cabinet_leads_table: cabinet leads (public.module_ct_cabinet_leads), if absent.
-- Returns nothing.
create table if not exists public.module_ct_cabinet_leads (
    id serial primary key,
    external_id varchar,
    first_name varchar,
    middle_name varchar,
    last_name varchar,
    park_phone varchar,
    asset_plate_number varchar,
    asset_model varchar,
    lead_created_at timestamp,
    status varchar,
    created_at timestamp default now()
)
