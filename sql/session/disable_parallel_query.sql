-- disable_parallel_query: no parallel plans for the rest of this transaction (the migrations).
-- A frozen early revision creates the claims list with a query whose parallel hash join on a
-- side full of NULL keys can take gigabytes per worker on a large live database (issue 13);
-- serial, the same statement stays within a few megabytes. Returns nothing.
set local max_parallel_workers_per_gather = 0
