-- add_no_lead_has_events_reason: the reason this project adds for a driver repaired in the run
-- that first detected it. Idempotent. Returns nothing.
alter type orphan_detected_reason add value if not exists 'no_lead_has_events'
