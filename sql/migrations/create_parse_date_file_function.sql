-- create_parse_date_file_function: CT4's summary_daily.date_file (DD-MM-YYYY) as a date; NULL
-- for anything malformed or impossible (31-02-2026), so one bad row never breaks a view.
-- Returns date or NULL.
create or replace function orphans.parse_date_file(date_file text) returns date
language plpgsql immutable parallel safe as $$
begin
    if date_file !~ '^[0-9]{2}-[0-9]{2}-[0-9]{4}$' then
        return null;
    end if;
    return make_date(
        substr(date_file, 7, 4)::int, substr(date_file, 4, 2)::int, substr(date_file, 1, 2)::int
    );
exception when others then
    return null;
end
$$
