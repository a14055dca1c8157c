-- set_history_context: tell the quarantine table's history trigger (migration 0006) who makes
-- the changes that follow in this transaction and why: :actor (`pipeline` or the reviewer),
-- :run_id (the Dagster run id, NULL for a review), :notes and :evidence (jsonb text; NULL: the
-- trigger takes the run's planned notes and the row's evidence). Transaction-local: they end
-- with the transaction (and a rolled-back savepoint takes them back). Returns one row.
select
    set_config('orphans.actor', :actor, true) as actor,
    set_config('orphans.run_id', coalesce(:run_id, ''), true) as run_id,
    set_config('orphans.notes', coalesce(:notes, ''), true) as notes,
    set_config('orphans.evidence', coalesce(:evidence, ''), true) as evidence
