-- select_ct4_views: the views CT4 had before the project (orphans.ct4_views, revision 0012) and
-- how the project handles each: kept (as CT4 has it) or filtered (CT4's definition with the
-- operational filter added). Returns rows: view_name, handling.
select ct4_view.view_name, ct4_view.handling
from orphans.ct4_views as ct4_view
order by ct4_view.view_name
