-- create_refuse_driver_link_without_lead_function: the prevention guard (revision 0002's
-- constraint trigger, checked at commit), now by the mode of orphans.driver_link_guard and no
-- longer by any session setting: a driver link whose person has no lead link at commit is
-- refused (enforce), recorded in orphans.recorded_driver_links (record) or let through (off).
-- A driver that is `quarantined` in the quarantine table is let through in every mode: it is
-- out of every ops view and is the pipeline's to decide (an undo that puts a purged driver's
-- link back writes exactly that). SECURITY DEFINER, search path pinned: any role CT4 lets write
-- canon.identity_links is guarded, and recorded, with no rights in schema orphans.
-- Returns nothing (a trigger).
create or replace function orphans.refuse_driver_link_without_lead() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_mode text := coalesce(
        (select guard.mode from orphans.driver_link_guard as guard), 'enforce'
    );
begin
    if v_mode = 'off' then
        return null;
    end if;
    if exists (
        select 1
        from orphans.lead_links as lead_link
        where lead_link.person_key = new.person_key
    ) or exists (
        select 1
        from canon.driver_orphan_quarantine as quarantine
        where quarantine.driver_id = new.source_pk
            and quarantine.status = 'quarantined'
    ) then
        return null;
    end if;
    if v_mode = 'record' then
        insert into orphans.recorded_driver_links (
            link_id, driver_id, person_key, match_rule, transaction_id
        )
        values (
            new.id, new.source_pk, new.person_key, new.match_rule,
            pg_current_xact_id()::text::bigint
        );
        return null;
    end if;
    raise exception
        'driver link refused: driver % (person %) has no lead link', new.source_pk, new.person_key
        using errcode = 'check_violation',
              detail = 'A driver may exist operationally only if it came from a lead.',
              hint = 'Link the lead (module_ct_cabinet_leads, module_ct_scouting_daily or '
                  'module_ct_migrations) to the same person in the same transaction.';
end
$$
