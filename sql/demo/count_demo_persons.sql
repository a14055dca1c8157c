-- count_demo_persons: persons already loaded as demo data. Returns one row: persons.
select count(*) as persons
from canon.identity_registry as registry
where registry.flags ->> 'demo' = 'true'
