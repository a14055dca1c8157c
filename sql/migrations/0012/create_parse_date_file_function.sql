-- create_parse_date_file_function: CT4's summary_daily.date_file (DD-MM-YYYY) as a date; NULL
-- for anything malformed or impossible (31-02-2026), so one bad row never breaks a view. The
-- same function as revision 0003's, created here where 0003 did not run its files. Plain SQL
-- with nested CASEs (which fix the evaluation order), so no cast can fail and the planner
-- inlines it. Returns date or NULL.
create or replace function orphans.parse_date_file(date_file text) returns date
language sql immutable parallel safe as $$
    select case
        when date_file ~ '^(0[1-9]|[12][0-9]|3[01])-(0[1-9]|1[0-2])-[1-9][0-9]{3}$' then
            case
                when substr(date_file, 1, 2)::int <= extract(day from (
                    make_date(substr(date_file, 7, 4)::int, substr(date_file, 4, 2)::int, 1)
                    + interval '1 month - 1 day'
                ))
                    then make_date(
                        substr(date_file, 7, 4)::int,
                        substr(date_file, 4, 2)::int,
                        substr(date_file, 1, 2)::int
                    )
            end
    end
$$
