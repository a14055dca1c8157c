-- create_identity_links_person_key_index: "does this person have a lead link" is asked for
-- every candidate. Returns nothing.
create index if not exists identity_links_person_key_source_table_idx
    on canon.identity_links (person_key, source_table)
