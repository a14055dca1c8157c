-- create_payload_driver_ids_function: the driver ids a lead event's payload names (L1):
-- driver_id, driverId, driver.driver_id, driver.id, as trimmed text (a number counts).
-- Returns text[] (empty for a payload that is not an object). Immutable.
create or replace function orphans.payload_driver_ids(payload jsonb) returns text[]
language sql immutable parallel safe as $$
    select case
        when jsonb_typeof(payload) = 'object' then array_remove(array[
            nullif(btrim(payload ->> 'driver_id'), ''),
            nullif(btrim(payload ->> 'driverId'), ''),
            case when jsonb_typeof(payload -> 'driver') = 'object'
                then nullif(btrim(payload -> 'driver' ->> 'driver_id'), '') end,
            case when jsonb_typeof(payload -> 'driver') = 'object'
                then nullif(btrim(payload -> 'driver' ->> 'id'), '') end
        ], null)
        else '{}'::text[]
    end
$$
