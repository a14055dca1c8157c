-- select_leak_check_views: the views the leak check reads (every view of ops and observational
-- with a driver_id, CT4's own included, the quarantine list ops.v_driver_orphans aside) and
-- whether each is CT4's (orphans.leak_check_views, revision 0012). Returns rows: view_name,
-- is_ct4.
select probe.view_name, probe.is_ct4
from orphans.leak_check_views() as probe
order by probe.view_name
