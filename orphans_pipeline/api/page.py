"""The review page, Identidad > Huérfanos: server-rendered HTML with one plain JavaScript file.

The page reads through the core, like the API. Its buttons call the API with the reviewer's
bearer token, which the reviewer types once; it stays in the browser tab's session storage.
When reads need the token, saving it asks for an HttpOnly read-only session cookie
(`POST /orphans/read-session`); changes take the token from the Authorization header alone.
No inline script or event handler: the behaviour is `static/orphans.js`, served from here, so a
strict Content-Security-Policy (`script-src 'self'`) leaves the page working.
"""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine

from orphans_pipeline.api.auth import Writer, require_reader, start_read_session
from orphans_pipeline.api.models import DRIVER_ID_PATTERN
from orphans_pipeline.api.settings import ApiSettings
from orphans_pipeline.core import queue, reports
from orphans_pipeline.core.vocabulary import DetectedReason, LeadTable, OrphanStatus, ReviewAction

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
# The templates compare and name with the vocabulary too (`status == Status.QUARANTINED`).
TEMPLATES.globals.update(Status=OrphanStatus)
STATIC = Path(__file__).parent / "static"
ASSETS = {"orphans.js": "text/javascript", "orphans.css": "text/css"}
PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_STATUS = OrphanStatus.QUARANTINED
MAX_PAGE = 10_000_000

# CT4's reviewers read Spanish: every label the page shows comes from here.
STATUS_LABELS = {
    OrphanStatus.QUARANTINED: "En cuarentena",
    OrphanStatus.RESOLVED_RELINKED: "Resuelto: revinculado",
    OrphanStatus.RESOLVED_CREATED_LEAD: "Resuelto: lead creado",
    OrphanStatus.PURGED: "Purgado",
}
REASON_LABELS = {
    DetectedReason.NO_LEAD_NO_EVENTS: "Sin lead ni eventos",
    DetectedReason.NO_LEAD_HAS_EVENTS_REPAIR_FAILED: "Con eventos, ninguno utilizable",
    DetectedReason.LEGACY_DRIVER_WITHOUT_ORIGIN: "Conductor heredado sin origen",
    DetectedReason.MANUAL_DETECTION: "Detección manual",
    DetectedReason.NO_LEAD_HAS_EVENTS: "Sin lead, reparado con sus eventos",
}
SORT_LABELS = {
    "oldest": "Detección: más antiguos primero",
    "newest": "Detección: más recientes primero",
    "driver_id": "Id de conductor",
}
LEVEL_LABELS = {"L1": "L1 · fuerte", "L2": "L2 · fuerte", "L3": "L3 · débil"}
STRATEGY_LABELS = {
    "driver_id_direct": "el payload nombra al conductor",
    "license_exact": "licencia igual",
    "phone_exact": "teléfono igual",
    "both_exact": "licencia y teléfono iguales",
    "person_key_match": "el evento apunta a la misma persona",
}
WHY_LABELS = {
    "linked": "Usado: la ejecución creó el vínculo de lead",
    "usable": "Utilizable",
    "weak_only": "No usado: evidencia débil (L3), nunca vincula por sí sola",
    "ambiguous": "No usado: ambiguo, coincide con conductores de más de una persona",
    "claimed_by_other_person": "No usado: el payload nombra a un conductor de otra persona",
    "driver_purged": "No usado: el conductor fue purgado",
    "no_person": "No usado: el conductor no tiene persona en el registro",
    "lead_row_missing": "No usado: la fila del lead no existe",
    "conflict": "No usado: la fila del lead pertenece a otra persona",
    "already_linked": "Ya vinculado a esta persona",
    "lost_to_concurrent_link": "No usado: otro vínculo lo tomó durante la ejecución",
}
TABLE_LABELS = {
    LeadTable.CABINET: "cabinet",
    LeadTable.SCOUTING: "scouting",
    LeadTable.MIGRATIONS: "migraciones",
}
ACTION_LABELS = {
    ReviewAction.RELINK: "revincular",
    ReviewAction.CREATE_LEAD: "crear lead",
    ReviewAction.PURGE: "purgar",
    ReviewAction.UNDO: "deshacer",
}
LABELS = {
    "statuses": STATUS_LABELS,
    "reasons": REASON_LABELS,
    "sorts": SORT_LABELS,
    "levels": LEVEL_LABELS,
    "strategies": STRATEGY_LABELS,
    "whys": WHY_LABELS,
    "tables": TABLE_LABELS,
    "actions": ACTION_LABELS,
}


def _filters(
    status: str | None,
    detected_reason: str | None,
    search: str | None,
    sort: str | None,
    page_size: int,
) -> tuple[dict[str, Any], list[str]]:
    """The page's filters, each bad one dropped with a message (a page never fails on them).

    No `status` parameter at all means the reviewers' queue, `quarantined`; an empty one
    (the "todos" choice) means every status.
    """
    problems = []
    status = DEFAULT_STATUS if status is None else status
    if status and status not in queue.STATUSES:
        problems.append(f"estado desconocido {status!r}: se muestran todos")
        status = None
    if detected_reason and detected_reason not in queue.REASONS:
        problems.append(f"motivo desconocido {detected_reason!r}: se ignora")
        detected_reason = None
    if sort and sort not in queue.SORTS:
        problems.append(f"orden desconocido {sort!r}: se ordena por fecha de detección")
        sort = None
    if page_size not in PAGE_SIZES:
        sizes = ", ".join(str(size) for size in PAGE_SIZES)
        problems.append(f"tamaño de página {page_size} no es uno de {sizes}: se usan 50")
        page_size = 50
    search = (search or "").strip()
    if len(search) > queue.MAX_SEARCH or "\x00" in search:
        problems.append(f"la búsqueda admite hasta {queue.MAX_SEARCH} caracteres: se ignora")
        search = ""
    return {
        "status": status or None,
        "detected_reason": detected_reason or None,
        "search": search or None,
        "sort": sort or "oldest",
        "page_size": page_size,
    }, problems


def _context(request: Request) -> dict[str, Any]:
    settings: ApiSettings = request.app.state.settings
    return {
        "labels": LABELS,
        "statuses": queue.STATUSES,
        "reasons": queue.REASONS,
        "sorts": queue.SORTS,
        "page_sizes": PAGE_SIZES,
        "dagster_ui_url": settings.dagster_ui_url,
        "writes_enabled": settings.api_token is not None,
        "fix_enabled": settings.enable_fix,
        "read_requires_token": settings.read_requires_token,
    }


def _locked(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse | None:
    """The page without data when reads need a token the browser did not send."""
    settings: ApiSettings = request.app.state.settings
    try:
        require_reader(request, settings, None)
    except HTTPException as exc:
        html = TEMPLATES.get_template(template).render(
            **context, locked=True, problems=[exc.detail]
        )
        return HTMLResponse(html, status_code=exc.status_code)
    return None


def _page_number(page: str | None) -> int:
    """Any page number is clamped into range: a bad or stale link still shows a page."""
    try:
        number = int(page or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def router(engine: Callable[[], Engine]) -> APIRouter:
    routes = APIRouter(include_in_schema=False)

    @routes.get("/")
    def root() -> RedirectResponse:
        return RedirectResponse("/orphans")

    @routes.post(
        "/orphans/read-session", status_code=status.HTTP_204_NO_CONTENT, dependencies=[Writer]
    )
    def read_session(request: Request) -> Response:
        """The page's read cookie (HttpOnly), for a caller that sent the token in the header."""
        response = Response(status_code=status.HTTP_204_NO_CONTENT)
        start_read_session(request, response, request.app.state.settings)
        return response

    @routes.get("/orphans/assets/{name}")
    def asset(name: str) -> Response:
        if name not in ASSETS:
            raise HTTPException(404, f"no asset {name!r}")
        return FileResponse(STATIC / name, media_type=ASSETS[name])

    @routes.get("/orphans/reports/{name}")
    def report_download(name: str, request: Request) -> Response:
        """A run's report by file name (looked up in the run registry), only from inside the
        reports root, as a download."""
        settings: ApiSettings = request.app.state.settings
        require_reader(request, settings, None)
        try:
            path = reports.find_report(engine(), name)
        except reports.ReportNotFound as exc:
            raise HTTPException(404, str(exc)) from exc
        media = "text/csv" if path.suffix == ".csv" else "application/json"
        return FileResponse(path, media_type=media, filename=path.name)

    @routes.get("/orphans", response_class=HTMLResponse)
    def orphans_page(
        request: Request,
        status: str | None = None,
        detected_reason: str | None = None,
        q: str | None = None,
        driver_id: str | None = None,
        sort: str | None = None,
        page: str | None = None,
        page_size: int = 50,
    ) -> HTMLResponse:
        context = _context(request)
        locked = _locked(request, "orphans.html", context)
        if locked is not None:
            return locked
        # `driver_id` was the old filter's name: an id is a search by id prefix now.
        filters, problems = _filters(status, detected_reason, q or driver_id, sort, page_size)
        database = engine()
        found = queue.review_queue_page(database, page=_page_number(page), **filters)
        html = TEMPLATES.get_template("orphans.html").render(
            **context,
            locked=False,
            problems=problems,
            filters=filters,
            metrics=queue.orphan_metrics(database),
            result=found,
        )
        return HTMLResponse(html, status_code=400 if problems else 200)

    @routes.get("/orphans/{driver_id}/row", response_class=HTMLResponse)
    def orphan_row(
        request: Request,
        driver_id: Annotated[str, PathParam(pattern=DRIVER_ID_PATTERN)],
    ) -> HTMLResponse:
        """One row of the queue as it is now, for the page to swap in after an action."""
        settings: ApiSettings = request.app.state.settings
        require_reader(request, settings, None)
        found = queue.review_queue_page(engine(), status=None, driver_id=driver_id)
        if not found.orphans:
            raise HTTPException(404, f"el conductor {driver_id!r} no está en la cuarentena")
        html = TEMPLATES.get_template("orphan_row.html").render(
            **_context(request), o=found.orphans[0]
        )
        return HTMLResponse(html)

    @routes.get("/orphans/{driver_id}", response_class=HTMLResponse)
    def orphan_detail(request: Request, driver_id: str) -> HTMLResponse:
        context = _context(request)
        locked = _locked(request, "orphan_detail.html", context)
        if locked is not None:
            return locked
        detail = None
        problems = []
        if re.fullmatch(DRIVER_ID_PATTERN, driver_id) is None:
            problems.append("id de conductor no válido: letras, dígitos y _ . : - (hasta 64)")
        else:
            detail = queue.driver_detail(engine(), driver_id)
            if detail is None:
                problems.append(f"el conductor {driver_id} no está en la cuarentena")
        html = TEMPLATES.get_template("orphan_detail.html").render(
            **context, locked=False, problems=problems, driver_id=driver_id, d=detail
        )
        return HTMLResponse(html, status_code=404 if detail is None else 200)

    return routes
