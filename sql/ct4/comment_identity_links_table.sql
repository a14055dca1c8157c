-- comment_identity_links_table: mark canon.identity_links as created by `orphans-pipeline db
-- create-ct4` (a demo or test database, never production): revision 0012 then installs the
-- prevention guard in enforce mode rather than record. Run only when the command has just
-- created the table. Returns nothing.
comment on table canon.identity_links is
    'orphans_pipeline db create-ct4: the CT4 subset of domain.md (a demo or test database)'
