-- count_quarantine_by_status: quarantine rows per status (all four, zeros included).
-- Returns one row per status: status, rows.
select
    status.value as status,
    count(quarantine.driver_id) as rows
from unnest(enum_range(null::orphan_status)) as status (value)
left join canon.driver_orphan_quarantine as quarantine
    on quarantine.status = status.value
group by status.value
order by status.value
