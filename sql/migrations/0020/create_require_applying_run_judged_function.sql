-- create_require_applying_run_judged_function: orphans.require_applying_run_judged(), the
-- function of the deferred trigger runs_applying_run_judged: at the commit of an execute's
-- applying transaction (orphans.mark_applying_run), refuses it unless the run recorded its
-- judgement (orphans.record_judgement moved the watermark to it). The change log leaves that
-- transaction's writes out because the judgement accounts for them: no session may mark a
-- transaction, write, and commit without it. A run with a limit, whose writes are logged, is
-- not held to it. Refuses with SQLSTATE OR403. Returns nothing (a trigger).
create or replace function orphans.require_applying_run_judged() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if new.applying_xid = pg_current_xact_id_if_assigned()
        and new.mode = 'execute'
        and new.row_limit is null
        and new.judged_snapshot is not null
        and not exists (
            select 1
            from orphans.judgement_watermark as watermark
            where watermark.run_id = new.run_id
        )
    then
        raise exception 'execute % applied its plan without recording its judgement',
            quote_literal(new.run_id)
            using errcode = 'OR403',
                  hint = 'orphans.record_judgement(run_id) is the applying transaction''s '
                      'last write.';
    end if;
    return null;
end
$$
