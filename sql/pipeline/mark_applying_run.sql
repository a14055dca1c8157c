-- mark_applying_run: record the applying transaction of execute :run_id, under the pipeline
-- lock (orphans.mark_applying_run, revision 0020), so the change log leaves out the writes its
-- judgement takes out again. Returns one row.
select orphans.mark_applying_run(:run_id) as marked
