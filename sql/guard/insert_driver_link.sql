-- insert_driver_link: link driver :driver_id to person :person_key. Returns the new link id.
insert into canon.identity_links (
    person_key, source_table, source_pk, snapshot_date, match_rule, match_score,
    confidence_level, evidence
)
values (
    cast(:person_key as uuid),
    'drivers',
    :driver_id,
    coalesce(cast(:snapshot_date as timestamptz), now()),
    :match_rule,
    :match_score,
    cast(:confidence_level as confidencelevel),
    cast(:evidence as jsonb)
)
returning id
