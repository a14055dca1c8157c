-- create_recorded_driver_links_table: orphans.recorded_driver_links, the driver links the guard
-- let through in record mode although their person had no lead link at commit: the link, its
-- driver, person and match rule, the transaction that wrote it and when. The
-- no_driver_links_recorded check warns about the ones recorded since the last execute; the
-- next run treats their drivers as the orphans they are. Returns nothing.
create table if not exists orphans.recorded_driver_links (
    id bigserial primary key,
    link_id integer not null,
    driver_id varchar not null,
    person_key uuid not null,
    match_rule varchar not null,
    transaction_id bigint not null,
    recorded_at timestamptz not null default now()
)
