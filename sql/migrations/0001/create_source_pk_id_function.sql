-- create_source_pk_id_function: a source_pk that is the text of an integer id, as a bigint;
-- NULL for anything else, so a malformed source_pk never raises a cast error.
-- Returns bigint or NULL. Immutable.
create or replace function orphans.source_pk_id(source_pk text) returns bigint
language sql immutable parallel safe as $$
    select case when source_pk ~ '^(0|[1-9][0-9]{0,17})$' then source_pk::bigint end
$$
