-- register_run: open run :run_id's registry row (orphans.register_run, revision 0013: the only way
-- a run id gets into orphans.runs). Returns one row.
select orphans.register_run(:run_id, :mode, :row_limit, :output_dir) as registered
