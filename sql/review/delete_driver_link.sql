-- delete_driver_link: remove driver :driver_id's driver link (a purge). Returns the deleted
-- row in full, as jsonb, for the history.
delete from canon.identity_links as link
where link.source_table = 'drivers'
    and link.source_pk = :driver_id
returning to_jsonb(link.*) as deleted_link
