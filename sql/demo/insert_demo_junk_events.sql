-- insert_demo_junk_events: lead events that relate to no driver, with the payloads real
-- ingestion produces: NULL, an array, a string, a number, deep nesting, empty ids, placeholder
-- phones and licenses. One per 50 drivers. Returns nothing.
insert into observational.lead_events (source_table, source_pk, event_date, payload_json)
select
    (orphans.lead_tables())[1 + j % 3],
    'junk-' || j,
    date '2026-01-01' + j % 300,
    case j % 8
        when 0 then null
        when 1 then '[1, 2, 3]'::jsonb
        when 2 then to_jsonb('free text'::text)
        when 3 then to_jsonb(42)
        when 4 then jsonb_build_object('a', jsonb_build_object('b', jsonb_build_object(
            'c', jsonb_build_object('driver_id', 'nobody'))))
        when 5 then jsonb_build_object('driver_id', '', 'driverId', '   ')
        when 6 then jsonb_build_object('driver_phone', 'N/A', 'driver_license', '-')
        else jsonb_build_object('driver', 'not an object', 'park_phone', '')
    end
from generate_series(1, greatest(:drivers / 50, 8)) as j
