-- insert_demo_lead_links: lead links of the healthy drivers, of the released case (its person
-- gained a lead), and the conflict case's lead row, owned by a healthy driver's person.
-- Returns nothing.
insert into canon.identity_links (
    person_key, source_table, source_pk, snapshot_date, match_rule, match_score,
    confidence_level, evidence
)
select
    case when plan.kind = 'conflict' then owner.person_key else plan.person_key end,
    case
        when plan.kind = 'healthy' then plan.healthy_lead_table
        when plan.kind = 'prior_released' then 'module_ct_cabinet_leads'
        else 'module_ct_migrations'
    end,
    case
        when plan.kind = 'healthy' and plan.healthy_lead_table = 'module_ct_cabinet_leads'
            then coalesce(case when plan.i % 2 = 0 then 'CAB-' || plan.i end, plan.i::text)
        when plan.kind = 'prior_released'
            then coalesce(case when plan.i % 2 = 0 then 'CAB-' || plan.i end, plan.i::text)
        else plan.i::text
    end,
    plan.lead_date::timestamptz,
    'LEAD_INGESTION',
    100,
    'HIGH'::confidencelevel,
    jsonb_build_object('source', 'demo')
from demo_plan as plan
left join demo_plan as owner
    on owner.i = plan.i - 86
where plan.kind in ('healthy', 'prior_released', 'conflict')
