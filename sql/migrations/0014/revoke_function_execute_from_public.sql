-- revoke_function_execute_from_public: revision 0013's revoke again, for the functions 0014
-- adds (the new orphans.detect_orphans, orphans.record_judgement, the change log's trigger
-- functions): every SECURITY DEFINER function of schema orphans is executable only by whom
-- `db grant` names (sql/grants), never by PUBLIC (PostgreSQL's default for a new function):
-- the run's writes by orphans_pipeline, the reviews by orphans_reviewer, and the internal
-- steps (orphans.decide, orphans.move_quarantine_row, the trigger functions, ...) by no role
-- at all. The plain read helpers (normalisation, lead tables, the scouting key) stay public:
-- CT4's readers of the ops views call them. Returns nothing.
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
