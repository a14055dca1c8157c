-- count_orphans_roles: how many of the two least-privilege roles (orphans_pipeline,
-- orphans_reviewer) exist in this cluster. Returns one row: roles (0, 1 or 2).
select count(*) as roles
from pg_catalog.pg_roles as role
where role.rolname = any (array['orphans_pipeline', 'orphans_reviewer'])
