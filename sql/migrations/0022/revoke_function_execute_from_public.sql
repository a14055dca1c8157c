-- revoke_function_execute_from_public: revision 0013's revoke again, for the functions 0022
-- adds (orphans.classify_orphans and orphans.flag_ambiguous_events, each for a share of a run):
-- every SECURITY DEFINER function of schema orphans is executable only by whom `db grant` names
-- (sql/grants), never by PUBLIC (PostgreSQL's default for a new function). Returns nothing.
do $$
declare
    v_function regprocedure;
begin
    for v_function in
        select procedure.oid::regprocedure
        from pg_catalog.pg_proc as procedure
        inner join pg_catalog.pg_namespace as namespace
            on namespace.oid = procedure.pronamespace
        where namespace.nspname = 'orphans'
            and procedure.prosecdef
        order by 1
    loop
        execute format('revoke execute on function %s from public', v_function);
    end loop;
end
$$
