-- insert_driver_link_guard_mode: the guard's first mode: enforce where `orphans-pipeline db
-- create-ct4` created the CT4 tables (a demo or test database: its comment on
-- canon.identity_links says so; before that comment existed, its cabinet lead_created_at was a
-- `date`, which CT4's own DDL never made it), record on a CT4 the project did not create, whose
-- own ingestion writes a driver link before any lead link (enforce would stop it). An existing
-- mode is kept. Returns nothing.
insert into orphans.driver_link_guard (mode)
select case
    when obj_description('canon.identity_links'::regclass, 'pg_class')
        like 'orphans_pipeline db create-ct4%' then 'enforce'
    when exists (
        select 1
        from information_schema.columns as lead_column
        where lead_column.table_schema = 'public'
            and lead_column.table_name = 'module_ct_cabinet_leads'
            and lead_column.column_name = 'lead_created_at'
            and lead_column.data_type = 'date'
    ) then 'enforce'
    else 'record'
end
on conflict (singleton) do nothing
