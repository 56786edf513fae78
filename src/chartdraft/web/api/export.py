"""Export a signed note: ``GET /api/v1/notes/{id}/export?format=fhir|text``."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from chartdraft.domain.practice import Actor
from chartdraft.services.clinic import Clinic
from chartdraft.services.export import ExportFormat, export_note
from chartdraft.web.security import clinic_of, needs

router = APIRouter(prefix="/api/v1", tags=["export"])
Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]


@router.get(
    "/notes/{note_id}/export",
    response_class=Response,
    responses={
        200: {
            "description": "The note as a FHIR R4 transaction Bundle, or the signed text.",
            "content": {"application/fhir+json": {}, "text/plain": {}},
        }
    },
)
def export(
    note_id: Id,
    clinic: Annotated[Clinic, Depends(clinic_of)],
    actor: Annotated[Actor, Depends(needs("notes:read"))],
    export_format: Annotated[ExportFormat, Query(alias="format")] = ExportFormat.FHIR,
) -> Response:
    """Answer a signed note as FHIR (``application/fhir+json``) or text; a draft is a 409."""
    done = export_note(clinic, actor, note_id, export_format)
    return Response(done.content, media_type=done.media_type)
