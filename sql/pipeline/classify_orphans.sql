-- classify_orphans: stage in orphans.run_events every lead event related to a candidate of run
-- :run_id at its best level, for the candidates of share :part of :parts (orphans.classify_orphans:
-- revision 0013, rewritten by 0017 without a full join, its keys' events looked up by index
-- since 0019, by shares since 0022; part 0 of 1 is every candidate). Returns one row: relations.
select orphans.classify_orphans(:run_id, :part, :parts) as relations
