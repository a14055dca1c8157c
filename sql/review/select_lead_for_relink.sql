-- select_lead_for_relink: whether lead (:source_table, :source_pk) is a lead table's row that
-- exists, and which person (if any) it is already linked to. Returns one row.
select
    cast(:source_table as text) = any (orphans.lead_tables()) as is_lead_table,
    orphans.lead_row_exists(:source_table, :source_pk) as lead_row_exists,
    (
        select link.person_key::text
        from canon.identity_links as link
        where link.source_table = :source_table
            and link.source_pk = :source_pk
    ) as owner_person_key
