-- restore_identity_link: put back a link exactly as a history row kept it (:link, jsonb of the
-- deleted row, its id included). Returns the restored id.
insert into canon.identity_links
select *
from jsonb_populate_record(null::canon.identity_links, cast(:link as jsonb))
returning id
