-- create_driver_link_guard_table: orphans.driver_link_guard, the prevention guard's mode, one
-- row (domain.md "Prevention"): enforce (a driver link whose person has no lead link is refused
-- at commit), record (accepted and recorded in orphans.recorded_driver_links) or off. Only an
-- owner may change it (`orphans-pipeline db guard MODE`): no role is granted a write, and no
-- session setting overrides it. Returns nothing.
create table if not exists orphans.driver_link_guard (
    singleton boolean primary key default true check (singleton),
    mode text not null check (mode in ('enforce', 'record', 'off')),
    changed_at timestamptz not null default now(),
    changed_by text not null default current_user
)
