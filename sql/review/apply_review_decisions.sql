-- apply_review_decisions: hand review decisions (a JSON array of {line, action, driver_id,
-- notes, source_table, source_pk}) to orphans.review_decisions (revision 0013), which checks and
-- writes each under the pipeline lock, all or nothing, a preview taking its own writes back
-- (:preview). Returns one row: result ({executed, lines}).
select orphans.review_decisions(cast(:decisions as jsonb), :reviewer, :preview) as result
