-- count_adopted_quarantine_rows: the history rows of quarantine rows adopted by `db upgrade`
-- (revision 0012: rows found without a history). Returns one row: adopted.
select count(*) as adopted
from canon.driver_orphan_quarantine_history as history
where history.run_id is null
    and history.actor = 'pipeline'
    and history.notes like 'adopted by orphans-pipeline db upgrade%'
