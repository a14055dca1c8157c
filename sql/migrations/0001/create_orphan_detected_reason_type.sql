-- create_orphan_detected_reason_type: the detection reason enum of CT4's migration 014, unless
-- CT4 already created it (then it is adopted as it is). Returns nothing.
do $$
begin
    if to_regtype('orphan_detected_reason') is null then
        create type orphan_detected_reason as enum (
            'no_lead_no_events',
            'no_lead_has_events_repair_failed',
            'legacy_driver_without_origin',
            'manual_detection'
        );
    end if;
end
$$
