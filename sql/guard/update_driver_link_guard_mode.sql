-- update_driver_link_guard_mode: set the prevention guard's mode to :mode (enforce, record or
-- off), an owner's act (no role is granted the update). Returns one row: the mode it had.
update orphans.driver_link_guard as guard
set mode = :mode, changed_at = now(), changed_by = current_user
from (select mode from orphans.driver_link_guard) as before
returning before.mode as previous_mode
