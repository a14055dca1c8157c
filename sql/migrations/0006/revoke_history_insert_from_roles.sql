-- revoke_history_insert_from_roles: the trigger is the only writer of the history, so the
-- least-privilege roles, where they already exist, lose any direct write to it
-- (`orphans-pipeline db grant` also takes back the use of its id sequence). Returns nothing.
do $$
declare
    role_name text;
begin
    for role_name in
        select rolname
        from pg_roles
        where rolname in ('orphans_pipeline', 'orphans_reviewer')
    loop
        execute format(
            'revoke insert, update, delete, truncate on canon.driver_orphan_quarantine_history from %I',
            role_name
        );
    end loop;
end
$$
