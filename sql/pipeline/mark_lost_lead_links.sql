-- mark_lost_lead_links: after insert_lead_links, mark as not created the planned links of run
-- :run_id whose lead row is now linked by someone else (a concurrent writer got there first),
-- so outcomes are judged on what was really written. One probe of the unique
-- (source_table, source_pk) index per planned link. Returns nothing; the row count is the
-- number of links lost.
update orphans.run_links as planned
set is_created = false
where planned.run_id = :run_id
    and not exists (
        select 1
        from canon.identity_links as link
        where link.source_table = planned.source_table
            and link.source_pk = planned.source_pk
            and link.match_rule = 'LEAD_EVENT_RECONSTRUCTION'
            and link.evidence ->> 'run_id' = cast(:run_id as text)
    )
