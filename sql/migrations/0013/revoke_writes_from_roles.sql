-- revoke_writes_from_roles: where `db grant` created the roles, take back every write they held
-- on CT4's tables, the quarantine, its history and the project's own tables: from this revision
-- on, the project's functions are the only door (sql/grants grants them). Returns nothing.
do $$
declare
    v_role text;
begin
    for v_role in
        select role.rolname
        from pg_catalog.pg_roles as role
        where role.rolname in ('orphans_pipeline', 'orphans_reviewer')
        order by 1
    loop
        execute format(
            'revoke insert, update, delete, truncate on canon.identity_links, '
            'canon.driver_orphan_quarantine, canon.driver_orphan_quarantine_history, '
            'observational.lead_events, public.module_ct_migrations from %I',
            v_role
        );
        execute format(
            'revoke insert, update, delete, truncate on all tables in schema orphans from %I',
            v_role
        );
        execute format('revoke usage, update on all sequences in schema canon from %I', v_role);
        execute format(
            'revoke usage, update on all sequences in schema observational from %I', v_role
        );
        execute format('revoke usage, update on all sequences in schema public from %I', v_role);
        execute format('revoke usage, update on all sequences in schema orphans from %I', v_role);
    end loop;
end
$$
