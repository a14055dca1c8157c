-- create_canon_schema: CT4's canonical identity schema, if absent. Returns nothing.
create schema if not exists canon
