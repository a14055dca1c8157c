-- select_orphans_page: one page of orphans.v_driver_orphans, filtered by :status, :detected_reason
-- and :driver_id (each ignored when null; driver_id is an exact match), ordered by driver_id.
-- Returns one row per orphan on the page, each with the filtered total; when the page lies
-- past the end, one row with total only (driver_id null), so a single query answers both.
with filtered as (
    select orphan.*
    from orphans.v_driver_orphans as orphan
    where (cast(:status as text) is null or orphan.status = cast(:status as text))
        and (
            cast(:detected_reason as text) is null
            or orphan.detected_reason = cast(:detected_reason as text)
        )
        and (cast(:driver_id as text) is null or orphan.driver_id = cast(:driver_id as text))
),

counted as (
    select count(*) as total
    from filtered
),

page as (
    select filtered.*
    from filtered
    order by filtered.driver_id
    limit :page_size offset :page_offset
)

select
    counted.total,
    page.*
from counted
left join page
    on true
order by page.driver_id
