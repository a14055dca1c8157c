-- create_drivers_phone_key_index: drivers by normalised phone, for L2 and its ambiguity.
-- Returns nothing.
create index if not exists drivers_phone_key_idx
    on public.drivers (orphans.normalize_phone(phone))
