-- delete_run_plan: forget run :run_id's planned links and outcomes, so planning can be redone
-- (a retried step plans again from the current state). Returns nothing.
with deleted_links as (
    delete from orphans.run_links
    where run_id = :run_id
)

delete from orphans.run_outcomes
where run_id = :run_id
