-- create_refuse_driver_link_without_lead_function: the prevention guard's check, run at commit
-- for each new or changed driver link: the person must have a lead link (orphans.lead_links)
-- by then. Same behaviour as revision 0002's, now on the shared lead-link rule. Skipped when
-- the setting orphans.driver_link_guard is 'off' (per transaction with SET LOCAL, or for a
-- whole database with ALTER DATABASE ... SET). Returns a trigger.
create or replace function orphans.refuse_driver_link_without_lead() returns trigger
language plpgsql as $$
begin
    if coalesce(current_setting('orphans.driver_link_guard', true), 'on') = 'off' then
        return null;
    end if;
    if not exists (
        select 1
        from orphans.lead_links as lead_link
        where lead_link.person_key = new.person_key
    ) then
        raise exception
            'driver link refused: driver % (person %) has no lead link', new.source_pk, new.person_key
            using errcode = 'check_violation',
                  detail = 'A driver may exist operationally only if it came from a lead.',
                  hint = 'Link the lead (module_ct_cabinet_leads, module_ct_scouting_daily or '
                      'module_ct_migrations) to the same person in the same transaction.';
    end if;
    return null;
end
$$
