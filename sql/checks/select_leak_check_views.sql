-- select_leak_check_views: the views the leak check reads (every view of ops and observational
-- with a driver_id, CT4's own included, the quarantine list ops.v_driver_orphans aside), whether
-- each is CT4's, which of them each reads (orphans.leak_check_views, revision 0012), those it
-- reads first, whether its definition proves it without a read
-- (orphans.views_proven_by_definition, revisions 0015 and 0016), and whether a budget at least
-- :budget_seconds cut it in the last :remember_days days, its definitions unchanged
-- (orphans.remembered_leak_check_cuts, 0016). Returns rows: view_name, is_ct4, reads, proven,
-- remembered_cut.
select
    probe.view_name,
    probe.is_ct4,
    probe.reads,
    proof.view_name is not null as proven,
    cut.view_name is not null as remembered_cut
from orphans.leak_check_views() with ordinality as probe
left join orphans.views_proven_by_definition() as proof
    on proof.view_name = probe.view_name
left join orphans.remembered_leak_check_cuts(
    cast(:budget_seconds as numeric), cast(:remember_days as integer)
) as cut
    on cut.view_name = probe.view_name
order by probe.ordinality
