-- create_observational_schema: CT4's schema of observed source events, if absent. Returns nothing.
create schema if not exists observational
