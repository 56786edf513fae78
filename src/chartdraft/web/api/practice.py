"""The practice's views: review queue, quality metrics, audit trail."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse

from chartdraft.domain.audit import AuditKind
from chartdraft.domain.practice import Actor
from chartdraft.services.clinic import Clinic
from chartdraft.services.metrics import metrics_for
from chartdraft.services.metrics_export import metrics_csv, metrics_json
from chartdraft.services.quality_metrics import GroupBy
from chartdraft.services.review import review_queue
from chartdraft.services.trail import audit_trail
from chartdraft.web.api.models import event_document, queue_document
from chartdraft.web.security import clinic_of, needs

router = APIRouter(prefix="/api/v1", tags=["practice"])
ClinicDep = Annotated[Clinic, Depends(clinic_of)]


@router.get("/queue")
def queue(
    clinic: ClinicDep,
    actor: Annotated[Actor, Depends(needs("queue:read"))],
    everyone: bool = False,
) -> dict[str, Any]:
    """Drafts awaiting review, oldest first: the caller's own, or the practice's."""
    return {"items": [queue_document(i) for i in review_queue(clinic, actor, everyone=everyone)]}


@router.get("/metrics", response_model=None)
def metrics(
    clinic: ClinicDep,
    actor: Annotated[Actor, Depends(needs("metrics:read"))],
    by: GroupBy = GroupBy.ALL,
    output: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Any:
    """Quality metrics (``chartdraft.metrics/1``), as JSON or CSV."""
    rows = metrics_for(clinic, actor, by)
    if output == "csv":
        return PlainTextResponse(metrics_csv(rows), media_type="text/csv")
    return PlainTextResponse(metrics_json(rows, by), media_type="application/json")


@router.get("/audit")
def audit(
    clinic: ClinicDep,
    actor: Annotated[Actor, Depends(needs("audit:read"))],
    kind: AuditKind | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The practice's newest audit events (ids, kinds and counts; never PHI)."""
    events = audit_trail(clinic, actor, kind=kind, limit=limit)
    return {"events": [event_document(e) for e in events]}
