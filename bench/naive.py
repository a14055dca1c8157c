"""Baseline (c): the job done the common way, as the original cleanup did it: a loop over the
drivers in Python with a few queries each (is there a lead link? which events name the driver,
its phone or license? is the lead row there, is it owned?), in one transaction.

It follows domain.md's evidence rules closely enough to do the same work (L1, L2 with
ambiguity, L3, lead row and owner checks, links, quarantine rows, history); it is a yardstick
for the set-based pipeline, not a second implementation to trust. Prints one summary line.

Its cost grows with orphans x lead events (every driver scans the events), so at 100,000
drivers it would run for over an hour: NAIVE_MAX_SECONDS stops it early, rolls back, and the
summary gives the whole run's time extrapolated from the driver links it got through.
"""

import json
import os
import re
import sys
import time
import uuid

import psycopg

LEAD_TABLES = ("module_ct_cabinet_leads", "module_ct_scouting_daily", "module_ct_migrations")
PK_COLUMN = {"module_ct_cabinet_leads": "coalesce(external_id, id::text)"}
EVENT = "select id, source_table, source_pk, event_date, %s from observational.lead_events "
# The normalisations written inline, as a per-driver script would (constants, never input).
PHONE = "right(regexp_replace(coalesce({}, ''), '\\D', '', 'g'), 9)"
LICENSE = "regexp_replace(upper(coalesce({}, '')), '[^A-Z0-9]', '', 'g')"
PAYLOAD_PHONE = PHONE.format("payload_json ->> 'driver_phone'")
PAYLOAD_PARK_PHONE = PHONE.format("payload_json ->> 'park_phone'")
PAYLOAD_LICENSE = LICENSE.format("payload_json ->> 'driver_license'")
L2_WHERE = f"{PAYLOAD_PHONE} = %s or {PAYLOAD_PARK_PHONE} = %s or {PAYLOAD_LICENSE} = %s"
DRIVER_PHONE, DRIVER_LICENSE = PHONE.format("driver.phone"), LICENSE.format("driver.license_number")
SAME_KEYS = f"{DRIVER_PHONE} = %s or {DRIVER_LICENSE} = %s"
# Built from the constants above only; values are always bound parameters.
PERSONS_WITH_SAME_KEYS = (
    "select count(distinct link.person_key) from public.drivers as driver "  # noqa: S608
    "join canon.identity_links as link on link.source_table = 'drivers' "
    f"and link.source_pk = driver.driver_id where {SAME_KEYS}"
)
LEAD_ROW_EXISTS = {
    table: f"select 1 from public.{table} where {PK_COLUMN.get(table, 'id::text')} = %s"  # noqa: S608
    for table in LEAD_TABLES
}
UPSERT_QUARANTINE = (
    "insert into canon.driver_orphan_quarantine (driver_id, person_key, detected_reason, "
    "creation_rule, evidence_json, status, resolved_at) "
    "values (%s, %s, %s, %s, %s, %s, case when %s then now() end) "
    "on conflict (driver_id) do update set detected_reason = excluded.detected_reason, "
    "evidence_json = excluded.evidence_json, status = excluded.status, "
    "resolved_at = excluded.resolved_at"
)


def phone_key(value: str | None) -> str | None:
    digits = re.sub(r"\D", "", value or "")
    return digits[-9:] if len(digits) >= 9 else None


def license_key(value: str | None) -> str | None:
    key = re.sub(r"[^A-Z0-9]", "", (value or "").upper())
    return key if len(key) >= 5 else None


def main() -> int:
    started = time.monotonic()
    run_id = f"naive-{uuid.uuid4()}"
    stats = {"drivers_checked": 0, "orphans": 0, "links_created": 0, "quarantined": 0, "queries": 0}
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cur:

        def query(statement: str, *params: object) -> list[tuple[object, ...]]:
            stats["queries"] += 1
            cur.execute(statement, params)
            return cur.fetchall() if cur.description else []

        # The quarantine's history trigger (revision 0013) takes actor `pipeline` only under a
        # run registered in orphans.runs: the loop registers itself, closed at its end.
        query("select orphans.register_run(%s, 'execute', null, null)", run_id)
        driver_links = query(
            "select source_pk, person_key, match_rule from canon.identity_links "
            "where source_table = 'drivers' order by source_pk"
        )
        budget = float(os.environ.get("NAIVE_MAX_SECONDS") or "inf")
        for driver_id, person, match_rule in driver_links:
            if time.monotonic() - started > budget:
                break
            stats["drivers_checked"] += 1
            if query(
                "select 1 from canon.identity_links where person_key = %s "
                "and source_table = any(%s) limit 1",
                person,
                list(LEAD_TABLES),
            ):
                continue
            status = query(
                "select status from canon.driver_orphan_quarantine where driver_id = %s", driver_id
            )
            if status and status[0][0] == "purged":
                continue
            stats["orphans"] += 1
            [(phone, license_number, license_normalized)] = query(
                "select phone, license_number, license_normalized_number from public.drivers "
                "where driver_id = %s",
                driver_id,
            )
            phone = phone_key(phone)  # type: ignore[arg-type]
            license = license_key(license_normalized) or license_key(license_number)  # type: ignore[arg-type]
            events = query(
                EVENT + "where source_table = any(%s) and (trim(payload_json ->> 'driver_id') = %s "
                "or trim(payload_json ->> 'driverId') = %s "
                "or trim(payload_json #>> '{driver,driver_id}') = %s "
                "or trim(payload_json #>> '{driver,id}') = %s)",
                "L1",
                list(LEAD_TABLES),
                driver_id,
                driver_id,
                driver_id,
                driver_id,
            )
            if phone or license:
                events += query(
                    EVENT + f"where source_table = any(%s) and ({L2_WHERE})",
                    "L2",
                    list(LEAD_TABLES),
                    phone or "-",
                    phone or "-",
                    license or "-",
                )
            weak = query(
                EVENT + "where person_key = %s and source_table = any(%s)",
                "L3",
                person,
                list(LEAD_TABLES),
            )
            linked = False
            considered = []
            for event_id, table, pk, event_date, level in events:
                if level == "L2":
                    persons = query(
                        PERSONS_WITH_SAME_KEYS,
                        phone or "-",
                        license or "-",
                    )
                    if persons[0][0] > 1:  # type: ignore[operator]
                        considered.append({"event_id": event_id, "why": "ambiguous"})
                        continue
                if not query(LEAD_ROW_EXISTS[str(table)], pk):
                    considered.append({"event_id": event_id, "why": "lead_row_missing"})
                    continue
                owner = query(
                    "select person_key from canon.identity_links "
                    "where source_table = %s and source_pk = %s",
                    table,
                    pk,
                )
                if owner and owner[0][0] != person:
                    considered.append({"event_id": event_id, "why": "conflict"})
                    continue
                if not owner:
                    query(
                        "insert into canon.identity_links (person_key, source_table, source_pk, "
                        "snapshot_date, match_rule, match_score, confidence_level, evidence) "
                        "values (%s, %s, %s, %s::date::timestamptz, 'LEAD_EVENT_RECONSTRUCTION', "
                        "100, 'HIGH', %s)",
                        person,
                        table,
                        pk,
                        event_date,
                        json.dumps({"run_id": run_id, "event_id": event_id, "level": level}),
                    )
                    stats["links_created"] += 1
                linked = True
                considered.append({"event_id": event_id, "why": "used"})
            considered += [{"event_id": e[0], "why": "weak_only"} for e in weak]
            new_status = "resolved_relinked" if linked else "quarantined"
            reason = (
                "no_lead_has_events"
                if linked
                else ("no_lead_has_events_repair_failed" if considered else "no_lead_no_events")
            )
            stats["quarantined"] += not linked
            # The quarantine table's trigger writes the history row (revision 0006).
            query(
                "select set_config('orphans.actor', 'pipeline', true), "
                "set_config('orphans.run_id', %s, true)",
                run_id,
            )
            query(
                UPSERT_QUARANTINE,
                driver_id,
                person,
                reason,
                match_rule,
                json.dumps({"lead_events": considered[:20], "lead_events_count": len(considered)}),
                new_status,
                linked,
            )
        done = stats["drivers_checked"] == len(driver_links)
        if done:
            query("select orphans.finish_run(%s, 'succeeded', null, null, null, null)", run_id)
            conn.commit()
        else:  # a partial run is a measurement, not a repair
            conn.rollback()
    seconds = time.monotonic() - started
    # Orphans are spread evenly over the driver ids, so the time per driver link scales.
    estimate = seconds * len(driver_links) / max(stats["drivers_checked"], 1)
    print(
        f"naive: {stats['drivers_checked']} of {len(driver_links)} driver links, "
        f"{stats['orphans']} orphans, {stats['links_created']} links, "
        f"{stats['quarantined']} quarantined, {stats['queries']} queries in {seconds:.1f} s"
        + ("" if done else f"; stopped at its time budget, whole run estimated {estimate:.0f} s")
        + f" | total_seconds={estimate:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
