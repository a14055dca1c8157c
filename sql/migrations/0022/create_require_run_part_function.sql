-- create_require_run_part_function: orphans.require_run_part(part, parts), refuse a share of a
-- run's work that is not one of `parts` (at least 1) numbered from 0: a share outside them
-- would stage nothing, and its run would lose relations without a word. Returns nothing.
create or replace function orphans.require_run_part(p_part integer, p_parts integer)
returns void
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_parts is null or p_parts < 1 or p_part is null or p_part < 0 or p_part >= p_parts then
        raise exception 'part % of % is not a share of a run (0 <= part < parts)',
            coalesce(p_part::text, 'NULL'), coalesce(p_parts::text, 'NULL')
            using errcode = '22023';
    end if;
end
$$
