-- select_driver_link_guard: the prevention guard's mode (enforce, record or off), when and by
-- whom it was last set, and how many driver links it has recorded without a lead link (all time
-- and since :since). Returns one row, or none before revision 0012.
select
    guard.mode,
    guard.changed_at,
    guard.changed_by,
    (select count(*) from orphans.recorded_driver_links) as recorded,
    (
        select count(*)
        from orphans.recorded_driver_links as recorded
        where recorded.recorded_at >= cast(:since as timestamptz)
    ) as recorded_since
from orphans.driver_link_guard as guard
