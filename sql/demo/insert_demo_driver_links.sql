-- insert_demo_driver_links: a driver link for every demo driver but the purged ones.
-- Returns nothing.
insert into canon.identity_links (
    person_key, source_table, source_pk, snapshot_date, match_rule, match_score,
    confidence_level, evidence
)
select
    plan.person_key,
    'drivers',
    plan.driver_id,
    plan.lead_date::timestamptz,
    case when plan.kind = 'healthy' then 'DRIVER_FROM_LEAD' else 'LEGACY_DRIVER_IMPORT' end,
    case when plan.kind = 'healthy' then 95 else 60 end,
    (case when plan.kind = 'healthy' then 'HIGH' else 'LOW' end)::confidencelevel,
    jsonb_build_object('source', 'demo', 'ingested_by', 'legacy_ingestion_v1')
from demo_plan as plan
where plan.kind <> 'prior_purged'
