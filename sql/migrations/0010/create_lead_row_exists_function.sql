-- create_lead_row_exists_function: whether the lead row (source_table, source_pk) exists, by
-- domain.md's source_pk conventions (cabinet: orphans.cabinet_source_pk; scouting and
-- migrations: id). Same signature and result as revision 0001's, now on the shared cabinet
-- rule. Returns boolean (false for a table that is not a lead table).
create or replace function orphans.lead_row_exists(source_table text, source_pk text)
returns boolean
language sql stable parallel safe as $$
    select case source_table
        when 'module_ct_cabinet_leads' then exists (
            select 1
            from public.module_ct_cabinet_leads as lead
            where orphans.cabinet_source_pk(lead.external_id, lead.id) = source_pk
        )
        when 'module_ct_scouting_daily' then exists (
            select 1
            from public.module_ct_scouting_daily as lead
            where lead.id = orphans.source_pk_id(source_pk)
        )
        when 'module_ct_migrations' then exists (
            select 1
            from public.module_ct_migrations as lead
            where lead.id = orphans.source_pk_id(source_pk)
        )
        else false
    end
$$
