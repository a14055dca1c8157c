-- enable_quarantine_history_triggers: the history triggers back on once the demo's earlier
-- cleanup and its history are written (the same transaction). Returns nothing.
alter table canon.driver_orphan_quarantine
    enable trigger driver_orphan_quarantine_insert_history,
    enable trigger driver_orphan_quarantine_update_history
