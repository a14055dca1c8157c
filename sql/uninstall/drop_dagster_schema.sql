-- drop_dagster_schema: the schema revision 0001 created for Dagster's instance storage when it
-- lives in the CT4 database (its run history goes with it: back it up first). Returns nothing.
drop schema if exists dagster cascade
