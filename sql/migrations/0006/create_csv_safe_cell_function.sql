-- create_csv_safe_cell_function: orphans.csv_safe_cell(text), a report cell a spreadsheet will
-- not evaluate (OWASP CSV injection): a value whose first character after any leading single
-- quotes is = + - @ a tab, a carriage return, a line feed or their full-width forms gets one
-- more leading single quote; any other value, and NULL, is returned as it is. The rule is
-- reversible: drop one leading quote where the cell matches ^'+[=+-@...]. Returns text.
create or replace function orphans.csv_safe_cell(cell text) returns text
language sql
immutable
parallel safe
as $$
    select case
        when cell ~ E'^''*[=+\\-@\\t\\r\\n\uFF1D\uFF0B\uFF0D\uFF20]' then '''' || cell
        else cell
    end
$$
