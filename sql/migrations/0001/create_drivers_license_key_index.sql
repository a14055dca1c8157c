-- create_drivers_license_key_index: drivers by matching license, for L2 and its ambiguity.
-- Returns nothing.
create index if not exists drivers_license_key_idx
    on public.drivers (orphans.driver_license_key(license_normalized_number, license_number))
