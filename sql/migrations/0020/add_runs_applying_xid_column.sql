-- add_runs_applying_xid_column: orphans.runs.applying_xid, the transaction in which an execute
-- applies its plan (set by orphans.mark_applying_run). The change log's triggers leave out what
-- that transaction writes itself when its judgement would take it out again anyway
-- (orphans.applying_own_writes). Returns nothing.
alter table orphans.runs add column if not exists applying_xid xid8
