-- detect_orphans: stage run :run_id's candidates in orphans.run_candidates. A candidate is an
-- orphan (a driver link whose person has no lead link: orphans.lead_links) whose driver is not
-- purged, or a quarantine row still `quarantined` (re-evaluated every run). The first
-- :row_limit candidates by driver_id are taken (all of them when :row_limit is NULL).
-- Returns nothing; the statement's row count is the number of candidates.
insert into orphans.run_candidates (
    run_id,
    driver_id,
    driver_key,
    person_key,
    driver_link_id,
    creation_rule,
    driver_link_evidence
)
with driver_links as (
    select
        link.id,
        link.person_key,
        link.source_pk as driver_id,
        link.match_rule,
        link.evidence
    from canon.identity_links as link
    where link.source_table = 'drivers'
),

orphan_links as (
    select driver_links.*
    from driver_links
    where not exists (
        select 1
        from orphans.lead_links as lead_link
        where lead_link.person_key = driver_links.person_key
    )
    and not exists (
        select 1
        from canon.driver_orphan_quarantine as purged
        where purged.driver_id = driver_links.driver_id
            and purged.status = 'purged'
    )
),

still_quarantined as (
    select
        driver_links.id,
        coalesce(driver_links.person_key, quarantine.person_key) as person_key,
        quarantine.driver_id,
        coalesce(driver_links.match_rule, quarantine.creation_rule) as match_rule,
        driver_links.evidence
    from canon.driver_orphan_quarantine as quarantine
    left join driver_links
        on driver_links.driver_id = quarantine.driver_id
    where quarantine.status = 'quarantined'
),

candidates as (
    select id, person_key, driver_id, match_rule, evidence
    from orphan_links
    union
    select id, person_key, driver_id, match_rule, evidence
    from still_quarantined
)

select
    :run_id,
    candidates.driver_id,
    btrim(candidates.driver_id),
    candidates.person_key,
    candidates.id,
    candidates.match_rule,
    candidates.evidence
from candidates
order by candidates.driver_id
limit :row_limit
