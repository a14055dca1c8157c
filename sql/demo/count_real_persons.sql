-- count_real_persons: persons that are not demo data (registry flags.demo is not true), so
-- `demo-data` never replaces or mixes into a real CT4 database. Returns one row: persons.
select count(*) as persons
from canon.identity_registry as registry
where registry.flags ->> 'demo' is distinct from 'true'
