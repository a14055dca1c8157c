-- count_run_history: how many history rows run :run_id appended (the quarantine table's
-- trigger writes them). Returns one row: rows.
select count(*) as rows
from canon.driver_orphan_quarantine_history as history
where history.run_id = :run_id
