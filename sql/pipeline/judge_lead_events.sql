-- judge_lead_events: decide, inside the applying transaction (so against the current state), why
-- each related event of run :run_id is or is not usable, in order:
--   weak_only (L3), ambiguous, claimed_by_other_person, driver_purged (since detection),
--   no_person (the candidate has no person), lead_row_missing, conflict (the lead row is linked
--   to another person: never taken from its owner), already_linked (to this person), usable.
-- Returns nothing.
with judged as (
    select
        event.driver_id,
        event.event_id,
        case
            when event.level = 'L3' then 'weak_only'
            when event.is_ambiguous then 'ambiguous'
            when event.is_claimed_by_other then 'claimed_by_other_person'
            when quarantine.status = 'purged' then 'driver_purged'
            when event.person_key is null then 'no_person'
            when not orphans.lead_row_exists(event.source_table, event.source_pk)
                then 'lead_row_missing'
            when owner_link.person_key <> event.person_key then 'conflict'
            when owner_link.person_key = event.person_key then 'already_linked'
            else 'usable'
        end as why
    from orphans.run_events as event
    left join canon.identity_links as owner_link
        on owner_link.source_table = event.source_table
        and owner_link.source_pk = event.source_pk
    left join canon.driver_orphan_quarantine as quarantine
        on quarantine.driver_id = event.driver_id
    where event.run_id = :run_id
)

update orphans.run_events as event
set why = judged.why
from judged
where event.run_id = :run_id
    and event.driver_id = judged.driver_id
    and event.event_id = judged.event_id
