-- create_lead_row_links_function: orphans.lead_row_links(source_table, source_pk), every link of
-- one lead row, the row named as lead events name it (domain.md's source_pk convention), under
-- any of its keys: a cabinet or migrations row's link as it is; a scouting row's links under
-- id::text and under its second key (orphans.scouting_source_key, the one CT4's scouting
-- ingestion links it under). "The lead row belongs to person P" is that one of these links is
-- P's; every ownership test (a run's usable event, a relink, an undo, the detail page) asks it
-- here. A single-SELECT, stable SQL function: the planner inlines it into a LATERAL join, where
-- each key is one probe of the unique (source_table, source_pk) index of canon.identity_links
-- (the scouting row first by its primary key). Returns setof (link_id, person_key,
-- link_source_pk, match_rule).
create or replace function orphans.lead_row_links(source_table text, source_pk text)
returns table (link_id integer, person_key uuid, link_source_pk text, match_rule text)
language sql stable parallel safe as $$
    select link.id, link.person_key, link.source_pk::text, link.match_rule::text
    from canon.identity_links as link
    where link.source_table = lead_row_links.source_table
        and link.source_pk = lead_row_links.source_pk
        and lead_row_links.source_table = any (orphans.lead_tables())
    union all
    select link.id, link.person_key, link.source_pk::text, link.match_rule::text
    from public.module_ct_scouting_daily as scouting
    inner join canon.identity_links as link
        on link.source_table = 'module_ct_scouting_daily'
        and link.source_pk = orphans.scouting_source_key(
            scouting.scout_id,
            scouting.driver_phone,
            scouting.driver_license,
            scouting.registration_date::date
        )
    where lead_row_links.source_table = 'module_ct_scouting_daily'
        and scouting.id = orphans.source_pk_id(lead_row_links.source_pk)
$$
