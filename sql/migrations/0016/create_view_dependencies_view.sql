-- create_view_dependencies_view: orphans.view_dependencies, each view and the relations its
-- rule reads directly (tables, views, materialized views), with their kind: what the md5 of a
-- view's definition and the proof by definition walk (orphans.view_definition_md5,
-- orphans.views_proven_by_definition). Returns nothing.
create or replace view orphans.view_dependencies as
select distinct
    rule_.ev_class as view_oid,
    used.oid as used_oid,
    used.relkind as used_kind
from pg_catalog.pg_rewrite as rule_
inner join pg_catalog.pg_depend as dependency
    on dependency.classid = 'pg_catalog.pg_rewrite'::regclass
    and dependency.objid = rule_.oid
    and dependency.refclassid = 'pg_catalog.pg_class'::regclass
    and dependency.refobjid <> rule_.ev_class
inner join pg_catalog.pg_class as used
    on used.oid = dependency.refobjid
