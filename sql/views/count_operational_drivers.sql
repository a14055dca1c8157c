-- count_operational_drivers: how many drivers the ops views may show now. Returns one row:
-- operational_drivers.
select count(*) as operational_drivers
from ops.v_operational_drivers
