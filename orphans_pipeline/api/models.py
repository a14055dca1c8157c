"""Request and response bodies: the OpenAPI schema is generated from these."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from orphans_pipeline.core.fix import MAX_LIMIT
from orphans_pipeline.core.review import MAX_TEXT
from orphans_pipeline.core.vocabulary import DetectedReason, LeadTable, OrphanStatus, RunMode

# The vocabulary's enumerations: the schema lists their values (as components of their own).
Status = OrphanStatus
Reason = DetectedReason
# Driver ids are letters, digits and `_ . : -`: anything else is a malformed id, refused with
# 422 before it reaches a query (values are bound parameters anyway).
DRIVER_ID_PATTERN = r"^[\w.:-]{1,64}$"
DriverId = Annotated[str, StringConstraints(pattern=DRIVER_ID_PATTERN)]
# No control characters (newlines, escapes), line separators or bidirectional overrides: they
# could forge lines or hide text where names and notes are printed (the core refuses them too).
NO_CONTROL = r"^[^\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]*$"
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT, pattern=NO_CONTROL)]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_CONTROL)
]


class Strict(BaseModel):
    # Strict: `"execute": 1` or `"limit": "5"` is a mistake to refuse, not a value to coerce.
    model_config = ConfigDict(extra="forbid", strict=True)


class Orphan(BaseModel):
    driver_id: str
    person_key: UUID | None
    detected_at: datetime
    detected_reason: Reason
    creation_rule: str | None
    status: Status
    resolved_at: datetime | None
    resolution_notes: str | None
    primary_phone: str | None
    primary_license: str | None
    primary_full_name: str | None
    driver_links_count: int
    lead_events_count: int
    evidence_json: dict[str, Any] | None


class OrphanPage(BaseModel):
    orphans: list[Orphan]
    total: int
    page: int
    page_size: int
    total_pages: int


class OrphanMetrics(BaseModel):
    total_orphans: int
    by_status: dict[Status, int]
    by_reason: dict[Reason, int] = Field(description="Rows currently quarantined, by reason")
    quarantined: int
    resolved_relinked: int
    with_lead_events: int
    without_lead_events: int
    last_updated_at: datetime | None


class RunFixRequest(Strict):
    execute: bool = Field(default=False, description="Write (needs ENABLE_ORPHANS_FIX=true)")
    limit: int | None = Field(
        default=None, ge=1, le=MAX_LIMIT, description="Only the first N candidates"
    )
    output_dir: Text | None = Field(default=None, description="Inside the reports root")
    full: bool = Field(
        default=False,
        description=(
            "A full sweep: re-judge every row still quarantined, not only those whose inputs "
            "changed since the last execute"
        ),
    )


class RunFixStarted(BaseModel):
    run_id: str
    execute: bool
    status_url: str
    dagster_ui_url: str


class FixRun(BaseModel):
    run_id: str
    status: str | None = Field(description="Dagster's run status (SUCCESS, FAILURE, STARTED, ...)")
    finished: bool
    mode: RunMode | None
    registry_status: str | None
    started_at: datetime | None
    finished_at: datetime | None
    stats: dict[str, int] | None
    checks: dict[str, bool]
    error: str | None
    report_json_path: str | None
    report_csv_path: str | None
    drivers: list[dict[str, str]] = Field(description="The report's first 100 rows")
    drivers_total: int | None


class ReviewRequest(Strict):
    reviewer: Name
    notes: Text = ""
    execute: bool = Field(default=False, description="Apply (default: a preview, nothing kept)")


class RelinkRequest(ReviewRequest):
    # Not strict: a JSON string is the table's name (strict would want an enum object).
    source_table: LeadTable = Field(strict=False)
    source_pk: Name


class ReviewResult(BaseModel):
    driver_id: str
    action: str
    executed: bool
    reviewer: str
    from_status: str
    to_status: str
    notes: str
    details: dict[str, Any]
    history_id: int | None


class Transition(BaseModel):
    id: int
    changed_at: datetime
    from_status: Status | None
    to_status: Status
    from_reason: Reason | None
    to_reason: Reason | None
    actor: str
    run_id: str | None
    notes: str | None
    evidence: dict[str, Any] | None


class DriverHistory(BaseModel):
    driver_id: str
    current: dict[str, Any] | None
    transitions: list[Transition]


class Problem(BaseModel):
    detail: str
