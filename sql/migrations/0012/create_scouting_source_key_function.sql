-- create_scouting_source_key_function: the second key of a scouting lead row in CT4, the one its
-- scouting ingestion links it under (CT4's DataContract, domain.md "Scouting rows have two
-- keys"): md5 of scout_id || '|' || phone || '|' || license || '|' || date, where scout_id is
-- its text ('None' when null), phone is driver_phone without whitespace, '-', '(', ')' and '+'
-- ('' when fewer than 8 characters are left), license is driver_license upper-cased without
-- whitespace and '-' ('' when empty) and date is registration_date as YYYY-MM-DD ('' when
-- null). Lead events name the row by id::text, its other key. Immutable, inlined. Returns text.
create or replace function orphans.scouting_source_key(
    scout_id integer, driver_phone text, driver_license text, registration_date date
)
returns text
language sql immutable parallel safe as $$
    select md5(
        coalesce(scout_id::text, 'None')
        || '|'
        || case
            when length(regexp_replace(coalesce(driver_phone, ''), '[[:space:]()+-]', '', 'g')) >= 8
                then regexp_replace(driver_phone, '[[:space:]()+-]', '', 'g')
            else ''
        end
        || '|'
        || regexp_replace(upper(coalesce(driver_license, '')), '[[:space:]-]', '', 'g')
        || '|'
        || coalesce(to_char(registration_date, 'YYYY-MM-DD'), '')
    )
$$
