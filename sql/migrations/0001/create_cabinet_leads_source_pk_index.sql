-- create_cabinet_leads_source_pk_index: a cabinet lead's source_pk is external_id, else id.
-- Returns nothing.
create index if not exists module_ct_cabinet_leads_source_pk_idx
    on public.module_ct_cabinet_leads ((coalesce(external_id, id::text)))
