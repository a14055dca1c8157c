-- count_view_leaks: the rows of view :view_name that show a quarantined or purged driver, and up
-- to 20 of those drivers (orphans.count_view_leaks, revision 0012). Returns one row: leaks,
-- driver_ids.
select leak.leaks, leak.driver_ids
from orphans.count_view_leaks(:view_name) as leak
