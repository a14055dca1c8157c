-- create_change_log_triggers: the statement triggers (AFTER INSERT, UPDATE and DELETE, each with
-- its transition tables, and AFTER TRUNCATE) that fill orphans.changed_keys from CT4's tables
-- the rules read and from the quarantine. Named orphans_log_<event>, one set per table; each
-- costs one INSERT ... SELECT per statement, whatever the number of rows, and never refuses a
-- write. Returns nothing.
do $$
declare
    v_table record;
    v_event text;
begin
    for v_table in
        select logged.relation, logged.function_name
        from (values
            ('public.drivers', 'orphans.log_driver_changes'),
            ('observational.lead_events', 'orphans.log_lead_event_changes'),
            ('canon.identity_links', 'orphans.log_identity_link_changes'),
            ('canon.identity_registry', 'orphans.log_registry_changes'),
            ('public.module_ct_cabinet_leads', 'orphans.log_lead_row_changes'),
            ('public.module_ct_scouting_daily', 'orphans.log_lead_row_changes'),
            ('public.module_ct_migrations', 'orphans.log_lead_row_changes'),
            ('canon.driver_orphan_quarantine', 'orphans.log_quarantine_changes')
        ) as logged (relation, function_name)
    loop
        foreach v_event in array array['insert', 'update', 'delete'] loop
            execute format(
                'create or replace trigger %I after %s on %s referencing %s '
                'for each statement execute function %s()',
                'orphans_log_' || v_event,
                v_event,
                v_table.relation,
                case v_event
                    when 'insert' then 'new table as new_rows'
                    when 'update' then 'old table as old_rows new table as new_rows'
                    else 'old table as old_rows'
                end,
                v_table.function_name
            );
        end loop;
        execute format(
            'create or replace trigger orphans_log_truncate after truncate on %s '
            'for each statement execute function orphans.log_truncate()',
            v_table.relation
        );
    end loop;
end
$$
