-- create_refuse_history_rewrite_function: trigger function that refuses any UPDATE, DELETE or
-- TRUNCATE of the quarantine history, so no one can rewrite the audit trail. Returns nothing.
create or replace function orphans.refuse_history_rewrite() returns trigger
language plpgsql as $$
begin
    raise exception 'canon.driver_orphan_quarantine_history is append-only: % refused', tg_op
        using errcode = 'insufficient_privilege',
              hint = 'History rows are never changed; append a new row instead.';
end
$$
