-- create_identity_links_driver_key_index: driver links by trimmed driver id, for L1 ("compared
-- as trimmed text on both sides"). Returns nothing.
create index if not exists identity_links_driver_key_idx
    on canon.identity_links (btrim(source_pk))
    where source_table = 'drivers'
