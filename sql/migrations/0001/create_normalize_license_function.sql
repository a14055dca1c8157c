-- create_normalize_license_function: domain.md's license rule. Upper-cases, keeps only A-Z and
-- 0-9; fewer than 5 characters is none (NULL). Returns text or NULL. Immutable.
create or replace function orphans.normalize_license(raw text) returns text
language sql immutable parallel safe as $$
    select case
        when length(regexp_replace(upper(raw), '[^A-Z0-9]', '', 'g')) >= 5
            then regexp_replace(upper(raw), '[^A-Z0-9]', '', 'g')
    end
$$
