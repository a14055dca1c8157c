-- count_run_events: what classification found for run :run_id. Returns one row: related
-- events per level, ambiguous and claimed relations, candidates with and without events.
select
    count(*) filter (where event.level = 'L1') as l1_relations,
    count(*) filter (where event.level = 'L2') as l2_relations,
    count(*) filter (where event.level = 'L3') as l3_relations,
    count(*) filter (where event.is_ambiguous) as ambiguous_relations,
    count(*) filter (where event.is_claimed_by_other) as claimed_relations,
    count(distinct event.driver_id) as candidates_with_events,
    (
        select count(*)
        from orphans.run_candidates as candidate
        where candidate.run_id = :run_id
    ) - count(distinct event.driver_id) as candidates_without_events
from orphans.run_events as event
where event.run_id = :run_id
