-- create_log_truncate_function: the TRUNCATE trigger function of the logged tables: a
-- truncated table leaves no rows to name, so the next run is a full sweep (kind `all`).
-- SECURITY DEFINER, search path pinned. Returns nothing (a trigger).
create or replace function orphans.log_truncate() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    insert into orphans.changed_keys (kind, source_table, key)
    values ('all', tg_table_schema || '.' || tg_table_name, '*');
    return null;
end
$$
