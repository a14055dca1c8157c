-- count_identity_links: the rows of canon.identity_links, for the catalog's row count of the
-- relinked_links asset after an execute. Returns one row: rows.
select count(*) as rows
from canon.identity_links
