-- create_driver_link_guard_trigger: install the guard as a constraint trigger deferred to
-- commit, so a lead link and a driver link written in one transaction pass. Idempotent.
-- Returns nothing.
do $$
begin
    if not exists (
        select 1
        from pg_trigger
        where tgname = 'identity_links_driver_requires_lead'
            and tgrelid = 'canon.identity_links'::regclass
    ) then
        create constraint trigger identity_links_driver_requires_lead
            after insert or update of person_key, source_table, source_pk
            on canon.identity_links
            deferrable initially deferred
            for each row
            when (new.source_table = 'drivers')
            execute function orphans.refuse_driver_link_without_lead();
    end if;
end
$$
