-- delete_manual_lead_event: remove lead event :event_id that a review created (an undo).
-- Returns nothing.
delete from observational.lead_events
where id = :event_id
