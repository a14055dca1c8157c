-- select_leak_check_views: the views the leak check reads (every view of ops and observational
-- with a driver_id, CT4's own included, the quarantine list ops.v_driver_orphans aside), whether
-- each is CT4's, which of them each reads (orphans.leak_check_views, revision 0012), those it
-- reads first, and whether its definition proves it without a read
-- (orphans.views_proven_by_definition, revision 0015). Returns rows: view_name, is_ct4, reads,
-- proven.
select
    probe.view_name,
    probe.is_ct4,
    probe.reads,
    proof.view_name is not null as proven
from orphans.leak_check_views() with ordinality as probe
left join orphans.views_proven_by_definition() as proof
    on proof.view_name = probe.view_name
order by probe.ordinality
