-- delete_judgement_watermark: forget the snapshot the last execute judged at, in the demo
-- load's transaction: without a watermark the next run is a full sweep (revision 0014), as a
-- load that replaces CT4's data needs. Returns nothing.
delete from orphans.judgement_watermark
