-- create_cabinet_leads_external_id_index: external_id is unique where present, if absent.
-- Returns nothing.
create unique index if not exists module_ct_cabinet_leads_external_id_key
    on public.module_ct_cabinet_leads (external_id)
    where external_id is not null
