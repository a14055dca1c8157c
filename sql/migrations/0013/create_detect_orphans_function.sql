-- create_detect_orphans_function: orphans.detect_orphans(run_id, row_limit), stage a running
-- run's candidates in orphans.run_candidates (sql/pipeline/detect_orphans says which). The
-- statement of revision 0011's sql/pipeline/detect_orphans.sql, as a function of the owner's:
-- the roles read the work tables and never write them, so what a later step reads is what this
-- computed. Returns bigint: the candidates staged.
create or replace function orphans.detect_orphans(p_run_id text, p_row_limit integer)
returns bigint
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select orphans.require_run(p_run_id, false);
    with staged as (
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
            p_run_id,
            candidates.driver_id,
            btrim(candidates.driver_id),
            candidates.person_key,
            candidates.id,
            candidates.match_rule,
            candidates.evidence
        from candidates
        order by candidates.driver_id
        limit p_row_limit
        returning 1
    )
    select count(*) from staged;
end
