-- set_statement_timeout: the longest the next statements of this transaction may run
-- (:milliseconds; 0: no limit), after which PostgreSQL cancels them. Returns one row.
select set_config('statement_timeout', cast(:milliseconds as text), true) as statement_timeout
