-- count_quarantine_audit_gaps: quarantine rows missing their audit trail: no reason,
-- creation_rule or evidence, or whose latest history row does not end in the row's current
-- status. Returns one row: gaps (count), driver_ids (up to 20).
with latest_history as (
    select distinct on (history.driver_id)
        history.driver_id,
        history.to_status,
        history.to_reason
    from canon.driver_orphan_quarantine_history as history
    order by history.driver_id, history.id desc
),

gaps as (
    select quarantine.driver_id
    from canon.driver_orphan_quarantine as quarantine
    left join latest_history
        on latest_history.driver_id = quarantine.driver_id
    where quarantine.detected_reason is null
        or quarantine.creation_rule is null
        or quarantine.evidence_json is null
        or latest_history.driver_id is null
        or latest_history.to_status is distinct from quarantine.status
)

select
    (select count(*) from gaps) as gaps,
    array(select driver_id from gaps order by driver_id limit 20) as driver_ids
