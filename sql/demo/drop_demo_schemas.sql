-- drop_demo_schemas: remove the CT4 and project schemas of a demo or test database (used by
-- `demo-data --replace`, which first checks that the data is demo data). Returns nothing.
drop schema if exists canon, observational, orphans, ops cascade
