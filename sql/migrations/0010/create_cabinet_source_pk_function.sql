-- create_cabinet_source_pk_function: a cabinet lead's source_pk by domain.md's convention:
-- external_id when not null, else id as text. Returns text. An immutable SQL expression, so
-- the planner inlines it: a comparison of orphans.cabinet_source_pk(lead.external_id, lead.id)
-- is one of the very expression of module_ct_cabinet_leads_source_pk_idx (revision 0001), which
-- it uses.
create or replace function orphans.cabinet_source_pk(external_id varchar, id integer)
returns text
language sql immutable parallel safe as $$
    select coalesce(external_id, id::text)
$$
