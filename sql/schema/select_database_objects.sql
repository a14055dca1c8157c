-- select_database_objects: every object in the schemas the project and CT4 share (canon,
-- observational, ops, orphans, public): tables, views, materialized views, indexes, sequences,
-- functions, triggers, enum types and enum values, each as a kind and a qualified name, so that
-- `db upgrade` can say what it created and what it found. Returns rows: kind, name.
select
    case relation.relkind
        when 'r' then 'table'
        when 'v' then 'view'
        when 'm' then 'materialized view'
        when 'i' then 'index'
        when 'S' then 'sequence'
        when 'p' then 'table'
        else 'relation'
    end as kind,
    quote_ident(namespace.nspname) || '.' || quote_ident(relation.relname) as name
from pg_catalog.pg_class as relation
inner join pg_catalog.pg_namespace as namespace
    on namespace.oid = relation.relnamespace
where namespace.nspname in ('canon', 'observational', 'ops', 'orphans', 'public')
    and relation.relkind in ('r', 'v', 'm', 'i', 'S', 'p')
union all
select 'function', procedure.oid::regprocedure::text
from pg_catalog.pg_proc as procedure
inner join pg_catalog.pg_namespace as namespace
    on namespace.oid = procedure.pronamespace
where namespace.nspname in ('canon', 'observational', 'ops', 'orphans', 'public')
union all
select 'trigger', trigger_.tgname || ' on ' || trigger_.tgrelid::regclass::text
from pg_catalog.pg_trigger as trigger_
inner join pg_catalog.pg_class as relation
    on relation.oid = trigger_.tgrelid
inner join pg_catalog.pg_namespace as namespace
    on namespace.oid = relation.relnamespace
where namespace.nspname in ('canon', 'observational', 'ops', 'orphans', 'public')
    and not trigger_.tgisinternal
union all
select 'type', type_.oid::regtype::text
from pg_catalog.pg_type as type_
inner join pg_catalog.pg_namespace as namespace
    on namespace.oid = type_.typnamespace
where namespace.nspname in ('canon', 'observational', 'ops', 'orphans', 'public')
    and type_.typtype = 'e'
union all
select 'enum value', enum_value.enumtypid::regtype::text || '.' || enum_value.enumlabel
from pg_catalog.pg_enum as enum_value
inner join pg_catalog.pg_type as type_
    on type_.oid = enum_value.enumtypid
inner join pg_catalog.pg_namespace as namespace
    on namespace.oid = type_.typnamespace
where namespace.nspname in ('canon', 'observational', 'ops', 'orphans', 'public')
order by 1, 2
