-- select_person_has_lead_link: whether person :person_key has a lead link. Returns one row.
select exists (
    select 1
    from canon.identity_links as lead_link
    where lead_link.person_key = cast(:person_key as uuid)
        and lead_link.source_table = any (orphans.lead_tables())
) as has_lead_link
