-- reset_demo_sequences: move the lead tables' id sequences past the explicit demo ids, so later
-- inserts (a reviewer's created lead) get fresh ids. Returns one row.
select
    setval(pg_get_serial_sequence('public.module_ct_cabinet_leads', 'id'),
        greatest((select max(id) from public.module_ct_cabinet_leads), 1)),
    setval(pg_get_serial_sequence('public.module_ct_scouting_daily', 'id'),
        greatest((select max(id) from public.module_ct_scouting_daily), 1)),
    setval(pg_get_serial_sequence('public.module_ct_migrations', 'id'),
        greatest((select max(id) from public.module_ct_migrations), 1))
