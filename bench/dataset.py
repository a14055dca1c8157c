"""A CT4 dataset for the bench built without `demo-data`, in the shape of production.

One person per driver; lead links: 36 % cabinet, 36 % scouting, 18.5 % migrations (0.5 % of
drivers have a second, later migrations link); 10 % of drivers are orphans, present before the
project is installed (load this, then `db upgrade`), as in production; trips for 60 %.

The orphans, by 1/20ths of them: 8 have a cabinet lead event naming them (L1, driver_id) whose
lead row exists and is unlinked (repaired); 4 have a scouting event matching their phone (L2,
repaired); 4 have only a weak event (L3, person_key) of a lead row that does not exist
(quarantined, repair failed); 4 have no event (quarantined, no lead no events). Every linked
lead row has its own lead event, as CT4's ingestion writes them, naming the row by its
`source_pk` convention (a scouting row by `id::text`).

It fits CT4 as it really is (`../shared/spec/ct4/ct4_real_schema.sql`) as well as the project's
subset (`db create-ct4`): only the columns both have, timestamps where CT4 has them
(`module_ct_cabinet_leads.lead_created_at` with a time of day), `identity_links.run_id` left
null (it references CT4's `ops.ingestion_runs`). Scouting rows are linked as CT4 links them: 3 in
4 under the key CT4's scouting ingestion uses (domain.md "Scouting rows have two keys": md5 of
scout_id, phone, license and date, computed here as CT4's DataContract does), the others under
`id::text`, as a link made from a lead event is.

Everything is set-based (generate_series, INSERT ... SELECT): no row passes through Python, and
each statement streams (the one temporary table of the plan is on disk beyond temp_buffers), so
the memory used does not grow with the size: 1,000,000 drivers load in minutes, 10,000,000 in
about ten times that (and about ten times the disk: measure `pg_database_size` at 1M first).
Each table is committed as it is loaded.
Usage: python bench/dataset.py --drivers N  (DATABASE_URL: a database with the CT4 tables).
"""

import argparse
import os
import sys
import time

import psycopg

# Driver i: slot = i % 200. Slots 0-71 cabinet, 72-143 scouting, 144-179 migrations, 180-199
# orphans (sub-kind = slot - 180); slot 0 also has a second, later migrations link.
STATEMENTS: tuple[tuple[str, str], ...] = (
    (
        "plan",
        """
        create temporary table bench_plan as
        select
            i,
            i %% 200 as slot,
            md5('person-' || i)::uuid as person_key,
            'D' || lpad(i::text, 8, '0') as driver_id,
            '9' || lpad(i::text, 8, '0') as phone,
            'LIC' || lpad(i::text, 8, '0') as license,
            date '2025-01-01' + (i %% 300) as lead_date,
            case
                when i %% 200 < 72 then 'cabinet'
                when i %% 200 < 144 then 'scouting'
                when i %% 200 < 180 then 'migration'
                else 'orphan'
            end as kind
        from generate_series(1, %(drivers)s) as i
        """,
    ),
    (
        "identity_registry",
        """
        insert into canon.identity_registry
            (person_key, confidence_level, primary_phone, primary_license, primary_full_name)
        select person_key, 'HIGH', phone, license, 'Driver ' || i
        from bench_plan
        """,
    ),
    (
        "drivers",
        """
        insert into public.drivers
            (driver_id, park_id, phone, license_number, license_normalized_number, full_name,
             hire_date, created_at)
        select driver_id, 'PARK-1', phone, license, license, 'Driver ' || i, lead_date,
               lead_date::timestamptz
        from bench_plan
        """,
    ),
    (
        "module_ct_cabinet_leads",
        """
        insert into public.module_ct_cabinet_leads
            (id, external_id, first_name, last_name, park_phone, lead_created_at, status,
             created_at)
        select i, case when i % 2 = 1 then 'CAB-' || i end, 'Driver', i::text, phone,
               lead_date + make_interval(secs => i % 86400), 'converted',
               lead_date + make_interval(secs => i % 86400 + 60)
        from bench_plan
        where kind = 'cabinet' or (kind = 'orphan' and slot - 180 < 8)
        """,
    ),
    (
        "module_ct_scouting_daily",
        """
        insert into public.module_ct_scouting_daily
            (id, scout_id, driver_name, driver_phone, driver_license, registration_date,
             acquisition_method, created_at)
        select i, 1 + i % 50, 'Driver ' || i, phone, license, lead_date, 'field',
               lead_date::timestamptz
        from bench_plan
        where kind = 'scouting' or (kind = 'orphan' and slot - 180 between 8 and 11)
        """,
    ),
    (
        "module_ct_migrations",
        """
        insert into public.module_ct_migrations
            (id, driver_id, scout_id, driver_name, hire_date, created_at)
        select i, driver_id, 1 + i % 50, 'Driver ' || i, lead_date, lead_date::timestamptz
        from bench_plan
        where kind = 'migration' or slot = 0
        """,
    ),
    (
        "sequences",
        """
        select
            setval(pg_get_serial_sequence('public.module_ct_cabinet_leads', 'id'),
                   (select coalesce(max(id), 1) from public.module_ct_cabinet_leads)),
            setval(pg_get_serial_sequence('public.module_ct_scouting_daily', 'id'),
                   (select coalesce(max(id), 1) from public.module_ct_scouting_daily)),
            setval(pg_get_serial_sequence('public.module_ct_migrations', 'id'),
                   (select coalesce(max(id), 1) from public.module_ct_migrations))
        """,
    ),
    (
        "identity_links",
        """
        insert into canon.identity_links
            (person_key, source_table, source_pk, snapshot_date, match_rule, match_score,
             confidence_level, evidence)
        select person_key, 'drivers', driver_id, lead_date::timestamptz, 'DRIVER_PHONE', 90,
               'HIGH'::confidencelevel, null::jsonb
        from bench_plan
        union all
        select person_key, 'module_ct_cabinet_leads',
               case when i % 2 = 1 then 'CAB-' || i else i::text end,
               lead_date::timestamptz, 'LEAD_PHONE', 95, 'HIGH', null
        from bench_plan
        where kind = 'cabinet'
        union all
        select person_key, 'module_ct_scouting_daily',
               case
                   when i % 4 = 0 then i::text
                   -- CT4's scouting key: md5(scout_id|phone|license|date), the phone and
                   -- license already clean here (digits; upper-case letters and digits)
                   else md5((1 + i % 50)::text || '|' || phone || '|' || license || '|'
                            || to_char(lead_date, 'YYYY-MM-DD'))
               end,
               lead_date::timestamptz, 'LEAD_PHONE', 95, 'HIGH', null
        from bench_plan
        where kind = 'scouting'
        union all
        select person_key, 'module_ct_migrations', i::text,
               lead_date::timestamptz + case when slot = 0 then interval '30 days' else '0' end,
               'LEAD_DRIVER_ID', 100, 'HIGH', null
        from bench_plan
        where kind = 'migration' or slot = 0
        """,
    ),
    (
        "lead_events",
        """
        insert into observational.lead_events
            (source_table, source_pk, event_date, person_key, scout_id, payload_json)
        select 'module_ct_cabinet_leads',
               case when i % 2 = 1 then 'CAB-' || i else i::text end,
               lead_date, person_key, null::int, jsonb_build_object('driver_phone', phone)
        from bench_plan
        where kind = 'cabinet'
        union all
        select 'module_ct_scouting_daily', i::text, lead_date, person_key, 1 + i % 50,
               jsonb_build_object('driver_phone', phone)
        from bench_plan
        where kind = 'scouting'
        union all
        select 'module_ct_migrations', i::text, lead_date, person_key, null,
               jsonb_build_object('driver_phone', phone)
        from bench_plan
        where kind = 'migration' or slot = 0
        union all
        select 'module_ct_cabinet_leads',
               case when i % 2 = 1 then 'CAB-' || i else i::text end,
               lead_date, null, null, jsonb_build_object('driver_id', driver_id)
        from bench_plan
        where kind = 'orphan' and slot - 180 < 8
        union all
        select 'module_ct_scouting_daily', i::text, lead_date, null, 1 + i % 50,
               jsonb_build_object('driver_phone', phone)
        from bench_plan
        where kind = 'orphan' and slot - 180 between 8 and 11
        union all
        select 'module_ct_migrations', 'GONE-' || i, lead_date, person_key, null,
               jsonb_build_object('note', 'lead row deleted')
        from bench_plan
        where kind = 'orphan' and slot - 180 between 12 and 15
        """,
    ),
    (
        "summary_daily",
        """
        insert into public.summary_daily
            (driver_id, date_file, count_orders_completed, sum_work_time_seconds)
        select plan.driver_id, to_char(plan.lead_date + day.k * 4, 'DD-MM-YYYY'),
               (plan.i * day.k) % 13, 3600 * day.k
        from bench_plan as plan
        cross join generate_series(1, 3) as day (k)
        where plan.i % 5 < 3
        """,
    ),
    ("analyze", "analyze"),
)


def load(url: str, drivers: int) -> dict[str, float]:
    """Load the dataset into the (empty) CT4 tables at `url`; seconds per statement."""
    timings: dict[str, float] = {}
    with psycopg.connect(url) as conn:
        for name, statement in STATEMENTS:
            started = time.monotonic()
            if name == "analyze":
                conn.autocommit = True
            if name == "plan":  # the only statement with a parameter (its % are doubled)
                conn.execute(statement, {"drivers": drivers})
            else:
                conn.execute(statement)
            if not conn.autocommit:
                conn.commit()  # the session's temporary plan table stays
            timings[name] = time.monotonic() - started
        conn.autocommit = False
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--drivers", type=int, required=True)
    args = parser.parse_args()
    if args.drivers < 200:
        print("--drivers must be at least 200 (every kind of driver)", file=sys.stderr)
        return 2
    url = os.environ["DATABASE_URL"]
    for name, seconds in load(url, args.drivers).items():
        print(f"{name:<26} {seconds:7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
