-- truncate_change_log: the keys the demo load itself wrote to orphans.changed_keys (revision
-- 0014's triggers log every row it inserts: 12 million at 1,000,000 drivers), in the load's
-- transaction. A load replaces CT4's data wholesale and delete_judgement_watermark follows, so
-- the next run is a full sweep, which reads no log; pruning them there instead cost that run
-- 14 s at 1,000,000 drivers. Returns nothing.
truncate orphans.changed_keys
