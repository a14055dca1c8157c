-- create_changed_keys_table: the change log, written only by the statement triggers on CT4's
-- tables and on the quarantine: the keys of whatever changed (a driver, a person, a normalised
-- phone or license, an event, a lead row under each of its keys), with the writing
-- transaction. A run re-judges a quarantined row only when one of its keys is here and not
-- visible in the snapshot the last execute judged at. Returns nothing.
create table if not exists orphans.changed_keys (
    id bigint generated always as identity primary key,
    kind text not null check (kind in (
        'all', 'driver', 'driver_phone', 'driver_license', 'event', 'event_driver',
        'event_phone', 'event_license', 'person', 'lead'
    )),
    source_table text,
    key text not null,
    xid xid8 not null default pg_current_xact_id(),
    changed_at timestamptz not null default now()
)
