-- select_person_has_lead_link: whether person :person_key has a lead link (orphans.lead_links).
-- Returns one row.
select exists (
    select 1
    from orphans.lead_links as lead_link
    where lead_link.person_key = cast(:person_key as uuid)
) as has_lead_link
