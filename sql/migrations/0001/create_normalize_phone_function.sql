-- create_normalize_phone_function: domain.md's phone rule. Keeps the digits; fewer than 9 is
-- none (NULL); otherwise the last 9, so a 51 country code or leading zeros drop out.
-- Returns text or NULL. Immutable and inlinable, so functional indexes can use it.
create or replace function orphans.normalize_phone(raw text) returns text
language sql immutable parallel safe as $$
    select case
        when length(regexp_replace(raw, '[^0-9]', '', 'g')) >= 9
            then right(regexp_replace(raw, '[^0-9]', '', 'g'), 9)
    end
$$
