-- insert_manual_lead_event: the lead event of a lead a reviewer created (today, the driver's
-- person, a payload naming the driver and the reviewer). Returns the new event id.
insert into observational.lead_events (
    source_table, source_pk, event_date, person_key, payload_json
)
values (
    'module_ct_migrations',
    :source_pk,
    current_date,
    cast(:person_key as uuid),
    cast(:payload as jsonb)
)
returning id
