"""The administrator's and auditor's pages: the metrics dashboard and the audit trail."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from chartdraft.domain.audit import AuditKind
from chartdraft.services.metrics import metrics_for
from chartdraft.services.quality_metrics import GroupBy, QualityMetrics
from chartdraft.services.sessions import BrowserCaller
from chartdraft.services.trail import audit_trail
from chartdraft.web.security import clinic_of
from chartdraft.web.ui.pages import page_caller, render

router = APIRouter(include_in_schema=False)
Caller = Annotated[BrowserCaller, Depends(page_caller)]

CHARTS = (
    ("accepted_without_edits_rate", "Accepted without edits"),
    ("char_edit_distance_mean", "Edit distance, draft to signed (characters)"),
    ("flagged_section_rate", "Flagged-section rate"),
    ("unsupported_claim_rate", "Unsupported claims per statement"),
    ("rejection_rate", "Rejection rate"),
)
"""The dashboard's bar charts: every value is a share between 0 and 1."""


@router.get("/metrics", response_class=HTMLResponse)
def metrics_page(request: Request, caller: Caller, by: GroupBy = GroupBy.CLINICIAN) -> Response:
    """Quality metrics as server-drawn SVG bar charts, with a CSV export."""
    rows = metrics_for(clinic_of(request), caller.principal.actor, by)
    charts = [
        {"title": title, "bars": [(r.group, _value(r, name)) for r in rows]}
        for name, title in CHARTS
    ]
    return render(request, "metrics.html", caller, rows=rows, charts=charts, by=by.value,
                  groupings=[g.value for g in GroupBy])  # fmt: skip


def _value(row: QualityMetrics, name: str) -> float | None:
    value = getattr(row, name)
    return None if value is None else float(value)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, caller: Caller, kind: AuditKind | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Response:  # fmt: skip
    """The practice's newest audit events (ids, kinds, counts: never PHI)."""
    events = audit_trail(clinic_of(request), caller.principal.actor, kind=kind, limit=limit)
    return render(request, "audit.html", caller, events=events, kinds=[k.value for k in AuditKind],
                  kind=None if kind is None else kind.value)  # fmt: skip
