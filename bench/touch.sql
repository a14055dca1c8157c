-- bench/touch.sql: "1 % of the drivers touched" (issue 22), the one definition of the CT4
-- changes the bench applies between two executes on the same copy, for both data shapes (demo
-- and install), on CT4's real schema and on the subset. bench/touch.py runs it in one
-- transaction after an execute, as CT4's ingestion and its operators would change CT4 during a
-- week; `psql -1 -f bench/touch.sql` does the same by hand. It needs the project's schema (its
-- normalisation functions and indexes: it runs after `db upgrade`), and no VACUUM or ANALYZE
-- follows it (autovacuum's business, as between two weekly runs).
--
-- The touched drivers: 1 in 100 driver links (a hash of driver_id, so the same drivers on every
-- copy of one dataset). What happens to each depends on its quarantine status after the
-- previous execute, in these shares:
--   still quarantined (a third each):
--     repairable_event    a new cabinet lead row and its lead event naming the driver (L1):
--                         the lead row exists and nobody owns it, so the next run repairs it;
--     lead_link_ingested  CT4's scouting ingestion: a new scouting row, its event, and the
--                         person's lead link under CT4's md5 key: the next run releases it;
--     events_deleted      every lead event that relates to the driver (L1, L2, L3) deleted:
--                         its reason changes (no_lead_no_events);
--   any other driver (operational, or released earlier), by twentieths:
--     6 phone_changed     public.drivers.phone changed to a new number;
--     4 license_changed   license_number and license_normalized_number changed;
--     4 new_lead_event    a new scouting row and its event (the driver's phone and license,
--                         the person's key), not linked yet;
--     3 events_deleted    the lead events of the driver's person deleted;
--     3 lead_row_deleted  the lead rows the person's lead links name deleted (the links stay).
-- New rows take their ids from the tables' own sequences (moved past any id an event names);
-- nothing here needs a run registered.
-- Each statement starts with a "-- step: <name>" line (bench/touch.py reports the rows of each).

-- step: sequences
-- The lead tables' sequences past every id a lead event already names (an event may name a row
-- that does not exist, as in the demo data: a new row must not take its id).
select setval(
    sequence.name,
    greatest(
        coalesce(pg_sequence_last_value(sequence.name), 1),
        coalesce((
            select max(event.source_pk::bigint)
            from observational.lead_events as event
            where event.source_table = sequence.source_table
                and event.source_pk ~ '^[0-9]{1,9}$'
        ), 1)
    )
)
from (
    select
        source_table,
        pg_get_serial_sequence('public.' || source_table, 'id')::regclass as name
    from unnest(array['module_ct_cabinet_leads', 'module_ct_scouting_daily']) as source_table
) as sequence;

-- step: choose
-- The touched drivers, their kind, and the ids of the lead rows made for them.
create temporary table bench_touch as
with driver_links as (
    select
        link.source_pk::text as driver_id,
        link.person_key,
        quarantine.status::text as status,
        mod(hashtext('bench-touch|' || link.source_pk)::bigint + 2147483648, 10000) as h
    from canon.identity_links as link
    left join canon.driver_orphan_quarantine as quarantine
        on quarantine.driver_id = link.source_pk
    where link.source_table = 'drivers'
),
chosen as (
    select
        driver_links.*,
        case
            when status = 'quarantined'
                then (array['repairable_event', 'lead_link_ingested', 'events_deleted'])[1 + h % 3]
            when h % 20 < 6 then 'phone_changed'
            when h % 20 < 10 then 'license_changed'
            when h % 20 < 14 then 'new_lead_event'
            when h % 20 < 17 then 'events_deleted'
            else 'lead_row_deleted'
        end as kind
    from driver_links
    where h < 100
)
select
    chosen.driver_id,
    chosen.person_key,
    chosen.status,
    chosen.kind,
    driver.phone::text as phone,
    coalesce(driver.license_number, driver.license_normalized_number)::text as license,
    driver.full_name::text as full_name,
    case
        when chosen.kind = 'repairable_event'
            then nextval(pg_get_serial_sequence('public.module_ct_cabinet_leads', 'id'))
        when chosen.kind in ('lead_link_ingested', 'new_lead_event')
            then nextval(pg_get_serial_sequence('public.module_ct_scouting_daily', 'id'))
    end as lead_id
from chosen
left join public.drivers as driver
    on driver.driver_id = chosen.driver_id
order by chosen.driver_id;

-- step: analyze
-- Statistics of the touched drivers, so that the statements below probe the indexes.
analyze bench_touch;

-- step: phone_changed
update public.drivers as driver
set phone = '8' || lpad(
    mod(hashtext('bench-phone|' || driver.driver_id)::bigint + 2147483648, 100000000)::text,
    8,
    '0'
)
from bench_touch as touch
where touch.kind = 'phone_changed'
    and driver.driver_id = touch.driver_id;

-- step: license_changed
update public.drivers as driver
set license_number = 'TCH' || upper(left(md5(driver.driver_id), 10)),
    license_normalized_number = 'TCH' || upper(left(md5(driver.driver_id), 10))
from bench_touch as touch
where touch.kind = 'license_changed'
    and driver.driver_id = touch.driver_id;

-- step: new_cabinet_rows
-- repairable_event: the new cabinet lead rows (external_id null: their source_pk is id::text).
insert into public.module_ct_cabinet_leads (
    id, external_id, first_name, last_name, park_phone, lead_created_at, status, created_at
)
select
    touch.lead_id, null, 'Touched', touch.driver_id, touch.phone, localtimestamp, 'new',
    localtimestamp
from bench_touch as touch
where touch.kind = 'repairable_event';

-- step: new_scouting_rows
-- lead_link_ingested, new_lead_event: the new scouting rows.
insert into public.module_ct_scouting_daily (
    id, scout_id, driver_name, driver_phone, driver_license, registration_date,
    acquisition_method, created_at
)
select
    touch.lead_id, 7, coalesce(touch.full_name, touch.driver_id), touch.phone, touch.license,
    current_date, 'bench-touch', localtimestamp
from bench_touch as touch
where touch.kind in ('lead_link_ingested', 'new_lead_event');

-- step: new_lead_events
-- The lead events of the new lead rows, named by their source_pk convention.
insert into observational.lead_events (
    source_table, source_pk, event_date, person_key, scout_id, payload_json
)
select
    'module_ct_cabinet_leads', touch.lead_id::text, current_date, null::uuid, null::int,
    jsonb_build_object('driver_id', touch.driver_id)
from bench_touch as touch
where touch.kind = 'repairable_event'
union all
select
    'module_ct_scouting_daily', touch.lead_id::text, current_date, touch.person_key, 7,
    jsonb_build_object('driver_phone', touch.phone, 'driver_license', touch.license)
from bench_touch as touch
where touch.kind in ('lead_link_ingested', 'new_lead_event');

-- step: new_lead_links
-- lead_link_ingested: the person's lead link, under CT4's scouting key.
insert into canon.identity_links (
    person_key, source_table, source_pk, snapshot_date, match_rule, match_score,
    confidence_level, evidence
)
select
    touch.person_key, 'module_ct_scouting_daily',
    orphans.scouting_source_key(7, touch.phone, touch.license, current_date), now(),
    'LEAD_PHONE', 95, 'HIGH', null
from bench_touch as touch
where touch.kind = 'lead_link_ingested';

-- step: deleted_events_of_person
-- events_deleted: the events of the person (L3, and a linked lead's own event).
delete from observational.lead_events as event
using bench_touch as touch
where touch.kind = 'events_deleted'
    and event.person_key = touch.person_key;

-- step: deleted_events_naming_driver
-- events_deleted: the events naming a quarantined driver (L1).
delete from observational.lead_events as event
using bench_touch as touch
where touch.kind = 'events_deleted'
    and touch.status = 'quarantined'
    and orphans.payload_driver_ids(event.payload_json) @> array[btrim(touch.driver_id)];

-- step: deleted_events_of_phone
-- events_deleted: the events matching a quarantined driver's phone (L2).
delete from observational.lead_events as event
using bench_touch as touch
where touch.kind = 'events_deleted'
    and touch.status = 'quarantined'
    and orphans.normalize_phone(event.payload_json ->> 'driver_phone')
        = orphans.normalize_phone(touch.phone);

-- step: deleted_events_of_license
-- events_deleted: the events matching a quarantined driver's license (L2).
delete from observational.lead_events as event
using bench_touch as touch
inner join public.drivers as driver
    on driver.driver_id = touch.driver_id
where touch.kind = 'events_deleted'
    and touch.status = 'quarantined'
    and orphans.normalize_license(event.payload_json ->> 'driver_license')
        = orphans.driver_license_key(driver.license_normalized_number, driver.license_number);

-- step: deleted_cabinet_rows
-- lead_row_deleted: cabinet rows.
delete from public.module_ct_cabinet_leads as lead
using bench_touch as touch
inner join canon.identity_links as link
    on link.person_key = touch.person_key
    and link.source_table = 'module_ct_cabinet_leads'
where touch.kind = 'lead_row_deleted'
    and coalesce(lead.external_id, lead.id::text) = link.source_pk;

-- step: deleted_scouting_rows
-- lead_row_deleted: scouting rows (by the id of an id::text link, or of the person's own
-- scouting event where CT4 linked the row under its md5 key).
delete from public.module_ct_scouting_daily as lead
where lead.id in (
    select orphans.source_pk_id(link.source_pk)
    from bench_touch as touch
    inner join canon.identity_links as link
        on link.person_key = touch.person_key
        and link.source_table = 'module_ct_scouting_daily'
    where touch.kind = 'lead_row_deleted'
    union
    select orphans.source_pk_id(event.source_pk)
    from bench_touch as touch
    inner join observational.lead_events as event
        on event.person_key = touch.person_key
        and event.source_table = 'module_ct_scouting_daily'
    where touch.kind = 'lead_row_deleted'
);

-- step: deleted_migrations_rows
-- lead_row_deleted: migrations rows.
delete from public.module_ct_migrations as lead
using bench_touch as touch
inner join canon.identity_links as link
    on link.person_key = touch.person_key
    and link.source_table = 'module_ct_migrations'
where touch.kind = 'lead_row_deleted'
    and lead.id = orphans.source_pk_id(link.source_pk);
