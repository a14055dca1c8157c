-- select_link_in_the_way: a link that would stop the restore of driver :driver_id's purged
-- driver link: the driver's link ingested again since the purge, or any link now holding the
-- purged link's id :link_id. Returns at most one row: id, person_key, source_table, source_pk.
select
    link.id,
    link.person_key,
    link.source_table,
    link.source_pk
from canon.identity_links as link
where (link.source_table = 'drivers' and link.source_pk = :driver_id)
    or link.id = cast(:link_id as integer)
order by link.id
limit 1
