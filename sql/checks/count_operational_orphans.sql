-- count_operational_orphans: domain.md's integrity query, which must return 0 after an execute:
-- driver links whose person has no lead link (orphans.lead_links) and whose driver is not
-- `quarantined` in the quarantine table. Returns one row: orphans (count), driver_ids (up to
-- 20, in order).
with orphans_left as (
    select driver_link.source_pk as driver_id
    from canon.identity_links as driver_link
    where driver_link.source_table = 'drivers'
        and not exists (
            select 1
            from orphans.lead_links as lead_link
            where lead_link.person_key = driver_link.person_key
        )
        and not exists (
            select 1
            from canon.driver_orphan_quarantine as quarantine
            where quarantine.driver_id = driver_link.source_pk
                and quarantine.status = 'quarantined'
        )
)

select
    (select count(*) from orphans_left) as orphans,
    array(select driver_id from orphans_left order by driver_id limit 20) as driver_ids
