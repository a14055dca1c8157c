-- select_cabinet_claims_computed_populated: whether orphans.mv_cabinet_claims_computed holds data
-- (a migration creates it empty). Returns one row: populated (boolean), NULL if it is absent.
select (
    select matviews.ispopulated
    from pg_catalog.pg_matviews as matviews
    where matviews.schemaname = 'orphans'
        and matviews.matviewname = 'mv_cabinet_claims_computed'
) as populated
