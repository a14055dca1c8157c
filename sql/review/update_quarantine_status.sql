-- update_quarantine_status: set driver :driver_id's quarantine status to :status, with the
-- resolution time (cleared when back to quarantined) and notes. Returns nothing.
update canon.driver_orphan_quarantine
set
    status = cast(:status as orphan_status),
    resolved_at = case when :status = 'quarantined' then null else now() end,
    resolution_notes = :resolution_notes
where driver_id = :driver_id
