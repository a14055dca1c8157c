-- create_cabinet_claims_view: ops.v_cabinet_claims (C3), one claim per operational cabinet
-- driver and milestone reached, with the day it became claimable (14 days after the lead date,
-- a date). Revision 0003's view. Returns nothing.
create or replace view ops.v_cabinet_claims as
select
    milestones.driver_id,
    milestones.person_key,
    milestones.milestone,
    milestones.amount,
    milestones.lead_date,
    milestones.lead_date + 14 as claimable_from
from ops.v_cabinet_milestones as milestones
