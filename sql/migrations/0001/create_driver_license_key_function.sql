-- create_driver_license_key_function: a driver's license for matching:
-- license_normalized_number, or license_number where the former normalises to none.
-- Returns text or NULL. Immutable.
create or replace function orphans.driver_license_key(
    license_normalized_number text,
    license_number text
) returns text
language sql immutable parallel safe as $$
    select coalesce(
        orphans.normalize_license(license_normalized_number),
        orphans.normalize_license(license_number)
    )
$$
