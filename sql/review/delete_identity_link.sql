-- delete_identity_link: remove link :link_id that a review created (an undo). Returns the
-- deleted row as jsonb.
delete from canon.identity_links as link
where link.id = :link_id
returning to_jsonb(link.*) as deleted_link
