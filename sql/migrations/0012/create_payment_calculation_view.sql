-- create_payment_calculation_view: ops.v_payment_calculation (C2), the amount due per
-- operational cabinet driver: the sum of the milestones reached. Revision 0003's view. Run only
-- where the name is not CT4's own view (orphans.ct4_views): CT4's payment calculation, with its
-- payment rules, is kept as it is. Returns nothing.
create or replace view ops.v_payment_calculation as
select
    milestones.driver_id,
    milestones.person_key,
    milestones.lead_date,
    max(milestones.trips_14d) as trips_14d,
    string_agg(milestones.milestone, ',' order by milestones.amount) as milestones,
    sum(milestones.amount) as amount_due
from ops.v_cabinet_milestones as milestones
group by milestones.driver_id, milestones.person_key, milestones.lead_date
