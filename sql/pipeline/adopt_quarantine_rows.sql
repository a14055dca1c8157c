-- adopt_quarantine_rows: execute :run_id adopts, under the pipeline lock, every quarantine row
-- without history (CT4 wrote it, or anything else did): one history row each, with the row's
-- evidence as found (orphans.adopt_quarantine_rows, revision 0013; 0020 plans it without a hash
-- join). Returns one row: adopted.
select orphans.adopt_quarantine_rows(:run_id) as adopted
