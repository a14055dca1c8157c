-- drop_duplicate_indexes: where revision 0001 added an index beside one CT4 already had on the
-- same columns (the quarantine's status, lead_events.person_key: CT4's migration 014 and its
-- own DDL), drop the project's: CT4's serves the same lookups. (0001 itself no longer adds
-- them there.) Returns nothing.
do $$
declare
    v_index record;
begin
    for v_index in
        select ours.index_name
        from (
            values
                ('canon.driver_orphan_quarantine', 'canon.driver_orphan_quarantine_status_idx',
                 array['status']),
                ('observational.lead_events', 'observational.lead_events_person_key_idx',
                 array['person_key'])
        ) as ours (table_name, index_name, columns)
        where to_regclass(ours.index_name) is not null
            and exists (
                select 1
                from pg_catalog.pg_index as index_
                inner join pg_catalog.pg_class as index_class
                    on index_class.oid = index_.indexrelid
                inner join pg_catalog.pg_am as access_method
                    on access_method.oid = index_class.relam
                where index_.indrelid = to_regclass(ours.table_name)
                    and index_.indexrelid <> to_regclass(ours.index_name)
                    and access_method.amname = 'btree'
                    and index_.indexprs is null
                    and index_.indpred is null
                    and (
                        select array_agg(key_column.attname::text order by key.position)
                        from unnest(index_.indkey::int2[]) with ordinality as key (attnum, position)
                        inner join pg_catalog.pg_attribute as key_column
                            on key_column.attrelid = index_.indrelid
                            and key_column.attnum = key.attnum
                    ) = ours.columns
            )
    loop
        execute format('drop index %s', v_index.index_name);
    end loop;
end
$$
