-- select_leak_check_views: the views the leak check reads (every view of ops and observational
-- with a driver_id, CT4's own included, the quarantine list ops.v_driver_orphans aside), whether
-- each is CT4's, and which of them each reads (orphans.leak_check_views, revision 0012), those
-- it reads first. Returns rows: view_name, is_ct4, reads.
select probe.view_name, probe.is_ct4, probe.reads
from orphans.leak_check_views() as probe
