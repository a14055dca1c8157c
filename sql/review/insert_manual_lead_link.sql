-- insert_manual_lead_link: a reviewer's lead link (:match_rule MANUAL_RELINK or
-- MANUAL_CREATED_LEAD) of (:source_table, :source_pk) to person :person_key, with the
-- reviewer and notes as evidence. Returns the new link id.
insert into canon.identity_links (
    person_key, source_table, source_pk, snapshot_date, match_rule, match_score,
    confidence_level, evidence
)
values (
    cast(:person_key as uuid),
    :source_table,
    :source_pk,
    now(),
    :match_rule,
    100,
    'HIGH'::confidencelevel,
    cast(:evidence as jsonb)
)
returning id
