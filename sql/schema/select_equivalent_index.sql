-- select_equivalent_index: the name of an index of :table_name (schema-qualified) on exactly
-- the plain columns :columns (in order), btree, with no expression and no predicate, other than
-- :index_name: the index CT4 already has for what the project would create. Returns zero or one
-- row: index_name.
select index_class.relname as index_name
from pg_catalog.pg_index as index_
inner join pg_catalog.pg_class as index_class
    on index_class.oid = index_.indexrelid
inner join pg_catalog.pg_am as access_method
    on access_method.oid = index_class.relam
where index_.indrelid = to_regclass(:table_name)
    and index_class.relname <> :index_name
    and access_method.amname = 'btree'
    and index_.indexprs is null
    and index_.indpred is null
    and (
        select array_agg(key_column.attname::text order by key.position)
        from unnest(index_.indkey::int2[]) with ordinality as key (attnum, position)
        inner join pg_catalog.pg_attribute as key_column
            on key_column.attrelid = index_.indrelid
            and key_column.attnum = key.attnum
    ) = cast(:columns as text[])
order by index_class.relname
limit 1
