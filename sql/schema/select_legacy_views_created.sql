-- select_legacy_views_created: whether revision 0003 ran its files on this database (its first
-- one creates orphans.parse_date_file, in the project's own schema, so nothing of CT4's can
-- stand in for it). Revisions 0007 and 0010 replace 0003's views only where it created them.
-- Returns one row: created (boolean).
select to_regprocedure('orphans.parse_date_file(text)') is not null as created
