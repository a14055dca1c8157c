-- create_lead_links_view: orphans.lead_links, domain.md's lead links in one place: the links
-- whose source_table is one of the three lead tables (orphans.lead_tables()). "Person P has a
-- lead link" is `exists (select 1 from orphans.lead_links where person_key = P)`. A plain view,
-- so the planner inlines it into every query that reads it: an anti-join on it plans as the
-- anti-join on canon.identity_links it replaces (a function holding the EXISTS would not be
-- inlined and would run once per row). Returns nothing.
create or replace view orphans.lead_links as
select
    lead_link.id,
    lead_link.person_key,
    lead_link.source_table,
    lead_link.source_pk,
    lead_link.snapshot_date,
    lead_link.match_rule
from canon.identity_links as lead_link
where lead_link.source_table = any (orphans.lead_tables())
