-- select_latest_history_id: the id of driver :driver_id's latest history row (the one the
-- quarantine table's trigger has just written for a review). Returns one row: id (NULL if none).
select max(history.id) as id
from canon.driver_orphan_quarantine_history as history
where history.driver_id = :driver_id
