-- create_move_quarantine_row_function: orphans.move_quarantine_row(driver_id, status, notes),
-- the one statement that moves a quarantine row for a review (resolved_at set when it leaves
-- `quarantined`, cleared when it comes back); the history trigger records it with the actor the
-- caller set. Called only by the project's checked functions: no role may execute it.
-- Returns nothing.
create or replace function orphans.move_quarantine_row(
    p_driver_id text, p_status text, p_resolution_notes text
)
returns void
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    update canon.driver_orphan_quarantine
    set
        status = p_status::orphan_status,
        resolved_at = case when p_status = 'quarantined' then null else now() end,
        resolution_notes = p_resolution_notes
    where driver_id = p_driver_id;
end
