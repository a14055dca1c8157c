-- create_insert_quarantine_row_function: orphans.insert_quarantine_row(driver_id, person_key,
-- reason, creation_rule, evidence), a new `quarantined` row, for a driver an undo leaves without
-- a lead link that had no quarantine row (its driver link came while its person had one); the
-- history trigger records it with the actor the caller set. Called only by the project's
-- checked functions: no role may execute it. Returns nothing.
create or replace function orphans.insert_quarantine_row(
    p_driver_id text, p_person_key uuid, p_reason text, p_creation_rule text, p_evidence jsonb
)
returns void
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    insert into canon.driver_orphan_quarantine (
        driver_id, person_key, detected_reason, creation_rule, evidence_json, status
    )
    values (
        p_driver_id,
        p_person_key,
        p_reason::orphan_detected_reason,
        p_creation_rule,
        p_evidence,
        'quarantined'
    );
end
