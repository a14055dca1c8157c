-- create_is_reserved_actor_function: orphans.is_reserved_actor(name), whether a reviewer name
-- reads as the pipeline's (pipeline, orphans_pipeline, orphans-pipeline, orphans pipeline,
-- system) once NFKC-normalised, case-folded and with its blanks collapsed, or holds a control,
-- format or blank-rendering character: the database's own refusal, whatever the caller checked
-- before (the code also refuses look-alikes by their Unicode skeleton). Returns boolean.
create or replace function orphans.is_reserved_actor(p_name text)
returns boolean
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
begin atomic
    select
        p_name ~ '[[:cntrl:]\u00ad\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]'
        or lower(regexp_replace(btrim(normalize(p_name, nfkc)), '\s+', ' ', 'g')) = any (
            array['pipeline', 'orphans_pipeline', 'orphans-pipeline', 'orphans pipeline', 'system']
        );
end
