-- create_runs_applying_xid_index: the running runs by their applying transaction, for
-- orphans.applying_own_writes, which the change log's triggers ask on every statement that
-- writes CT4's links or the quarantine (the registry keeps every run ever made). Returns
-- nothing.
create index if not exists runs_applying_xid_idx
    on orphans.runs (applying_xid)
    where status = 'running'
