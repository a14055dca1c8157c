-- create_orphan_status_type: the quarantine status enum of CT4's migration 014, unless CT4
-- already created it (then it is adopted as it is). Returns nothing.
do $$
begin
    if to_regtype('orphan_status') is null then
        create type orphan_status as enum (
            'quarantined', 'resolved_relinked', 'resolved_created_lead', 'purged'
        );
    end if;
end
$$
