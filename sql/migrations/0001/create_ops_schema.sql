-- create_ops_schema: the schema of the operational views. Returns nothing.
create schema if not exists ops
