-- count_ops_view_leaks: quarantined or purged drivers that appear in a view of schema ops or
-- observational that exposes a driver_id, CT4's own views included, the quarantine list
-- ops.v_driver_orphans aside (orphans.count_view_leaks, revision 0012, probes each one; there
-- must be none). Returns one row: leaks (count of rows), driver_ids (up to 20), per_view (the
-- count of every view that shows one, by name), views (how many views were probed).
with per_view as (
    select leak.view_name, leak.leaks, leak.driver_ids
    from orphans.count_view_leaks() as leak
)

select
    coalesce((select sum(per_view.leaks) from per_view), 0) as leaks,
    array(
        select distinct driver.driver_id
        from per_view
        cross join lateral unnest(per_view.driver_ids) as driver (driver_id)
        order by driver.driver_id
        limit 20
    ) as driver_ids,
    coalesce(
        (
            select jsonb_object_agg(per_view.view_name, per_view.leaks)
            from per_view
            where per_view.leaks > 0
        ),
        '{}'::jsonb
    ) as per_view,
    (select count(*) from per_view) as views
