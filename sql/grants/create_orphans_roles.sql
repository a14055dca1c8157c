-- create_orphans_roles: the two group roles of least privilege, created where absent:
-- orphans_pipeline (the weekly job) and orphans_reviewer (the review CLI, API and page).
-- Neither can log in: grant them to the login roles of the services. Returns nothing.
do $$
begin
    if not exists (select from pg_roles where rolname = 'orphans_pipeline') then
        create role orphans_pipeline nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'orphans_reviewer') then
        create role orphans_reviewer nologin;
    end if;
end
$$
