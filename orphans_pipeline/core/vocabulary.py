"""The project's vocabulary: every status, reason, action and name, spelled once.

Every layer (SQL results, core, Dagster definitions, CLI, HTTP API, review page) uses these
members instead of string literals, so a newcomer finds each term here and a typo is an
AttributeError at import rather than a silently empty filter. They are `StrEnum`s: a member
*is* its string (`OrphanStatus.QUARANTINED == "quarantined"`), so rows read from PostgreSQL,
JSON bodies and run tags compare equal without conversion.

The values of `OrphanStatus` and `DetectedReason` are those of CT4's PostgreSQL enums
`orphan_status` and `orphan_detected_reason` (domain.md); a test compares them with the
database's `enum_range` so the two can never drift apart.
"""

from enum import StrEnum


class OrphanStatus(StrEnum):
    """`canon.driver_orphan_quarantine.status` (PostgreSQL enum `orphan_status`)."""

    QUARANTINED = "quarantined"
    RESOLVED_RELINKED = "resolved_relinked"
    RESOLVED_CREATED_LEAD = "resolved_created_lead"
    PURGED = "purged"


class DetectedReason(StrEnum):
    """`canon.driver_orphan_quarantine.detected_reason` (enum `orphan_detected_reason`)."""

    NO_LEAD_NO_EVENTS = "no_lead_no_events"
    NO_LEAD_HAS_EVENTS_REPAIR_FAILED = "no_lead_has_events_repair_failed"
    LEGACY_DRIVER_WITHOUT_ORIGIN = "legacy_driver_without_origin"
    MANUAL_DETECTION = "manual_detection"
    # Added by this project: a driver released from quarantine by a repair from its events.
    NO_LEAD_HAS_EVENTS = "no_lead_has_events"


class ReviewAction(StrEnum):
    """What a reviewer does to a quarantined case (CLI `review <action>`, API path segment)."""

    RELINK = "relink"
    CREATE_LEAD = "create-lead"
    PURGE = "purge"
    UNDO = "undo"


# The status each decision leads to; undo returns the case to the queue.
ACTION_OUTCOME: dict[ReviewAction, OrphanStatus] = {
    ReviewAction.RELINK: OrphanStatus.RESOLVED_RELINKED,
    ReviewAction.CREATE_LEAD: OrphanStatus.RESOLVED_CREATED_LEAD,
    ReviewAction.PURGE: OrphanStatus.PURGED,
    ReviewAction.UNDO: OrphanStatus.QUARANTINED,
}
# The history's actor of every change the pipeline's runs make (a reviewer may never take it).
PIPELINE_ACTOR = "pipeline"
# The decisions (undo is not one: it takes the last decision back).
DECISIONS = (ReviewAction.RELINK, ReviewAction.CREATE_LEAD, ReviewAction.PURGE)


class LeadTable(StrEnum):
    """The lead sources of `canon.identity_links.source_table` (domain.md)."""

    CABINET = "module_ct_cabinet_leads"
    SCOUTING = "module_ct_scouting_daily"
    MIGRATIONS = "module_ct_migrations"


class RunMode(StrEnum):
    """`orphans.runs.mode`: whether a run wrote."""

    EXECUTE = "execute"
    DRY_RUN = "dry_run"


class RunTag(StrEnum):
    """The tags the project puts on Dagster runs (the run queue limits `PIPELINE` runs)."""

    PIPELINE = "orphans/pipeline"  # "fix" or "review": one pipeline run at a time
    MODE = "orphans/mode"  # a RunMode
    LAUNCHED_BY = "orphans/launched_by"  # "cli" or "api"
    LAUNCH_HOST = "orphans/launch_host"  # where the launching process ran (dead-run check)
    REPORT_JSON = "orphans/report_json"  # the run's JSON report, for the runs list
    SUMMARY = "orphans/summary"  # the run's counts in one line, for the runs list


# What Dagster shows: asset keys, check names, jobs. The core only names them (it never imports
# dagster); the definitions in `defs/` are declared with these very values.
class AssetName(StrEnum):
    DETECTED_ORPHANS = "detected_orphans"
    CLASSIFIED_ORPHANS = "classified_orphans"
    RELINKED_LINKS = "relinked_links"
    DRIVER_ORPHAN_QUARANTINE = "driver_orphan_quarantine"
    OPS_VIEWS = "ops_views"
    CABINET_CLAIMS_COMPUTED = "cabinet_claims_computed"


class CheckName(StrEnum):
    NO_OPERATIONAL_ORPHANS = "no_operational_orphans"
    OPS_VIEWS_EXCLUDE_QUARANTINED_DRIVERS = "ops_views_exclude_quarantined_drivers"
    QUARANTINE_HAS_AUDIT_TRAIL = "quarantine_has_audit_trail"
    NO_DRIVER_LINKS_RECORDED_WITHOUT_LEAD = "no_driver_links_recorded_without_lead"


class JobName(StrEnum):
    FIX = "orphans_fix_job"
    DRY_RUN = "orphans_dry_run_job"
    REVIEW = "orphans_review_job"
    CABINET_CLAIMS = "cabinet_claims_job"
