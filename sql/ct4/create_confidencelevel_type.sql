-- create_confidencelevel_type: CT4's enum of match confidence, if absent. Returns nothing.
-- A DO block because CREATE TYPE has no IF NOT EXISTS; it is still one statement.
do $$
begin
    if to_regtype('confidencelevel') is null then
        create type confidencelevel as enum ('HIGH', 'MEDIUM', 'LOW');
    end if;
end
$$
