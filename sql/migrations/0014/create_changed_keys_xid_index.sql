-- create_changed_keys_xid_index: a run reads, and an execute prunes, the changes of the
-- transactions at or after the last judged snapshot's xmin. Returns nothing.
create index if not exists changed_keys_xid_idx
    on orphans.changed_keys (xid)
