"""The outbox to the EHR: ``/api/v1/deliveries`` (the exception queue is ``?state=failed``)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from chartdraft.domain.delivery import DeliveryState
from chartdraft.domain.practice import Actor
from chartdraft.jobs.background import BackgroundJobs
from chartdraft.services.clinic import Clinic
from chartdraft.services.delivery import (
    delivery_document,
    get_delivery,
    list_deliveries,
    retry_delivery,
)
from chartdraft.web.security import clinic_of, jobs_of, needs

router = APIRouter(prefix="/api/v1", tags=["deliveries"])
Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]
ClinicDep = Annotated[Clinic, Depends(clinic_of)]


@router.get("/deliveries")
def deliveries(
    clinic: ClinicDep,
    actor: Annotated[Actor, Depends(needs("deliveries:read"))],
    state: Annotated[DeliveryState | None, Query()] = None,
) -> dict[str, Any]:
    """Signed notes' deliveries to the EHR, newest first; ``state=failed`` is the exception queue."""
    return {"deliveries": [delivery_document(d) for d in list_deliveries(clinic, actor, state)]}


@router.get("/deliveries/{delivery_id}")
def delivery(
    delivery_id: Id,
    clinic: ClinicDep,
    actor: Annotated[Actor, Depends(needs("deliveries:read"))],
) -> dict[str, Any]:
    """One delivery, with the EHR's OperationOutcome when it refused the note."""
    return delivery_document(get_delivery(clinic, actor, delivery_id))


@router.post("/deliveries/{delivery_id}/retry")
def retry(
    delivery_id: Id,
    clinic: ClinicDep,
    jobs: Annotated[BackgroundJobs, Depends(jobs_of)],
    actor: Annotated[Actor, Depends(needs("deliveries:write"))],
) -> dict[str, Any]:
    """Put a failed delivery back in line (after fixing what the EHR refused); 409 otherwise."""
    done = retry_delivery(clinic, actor, delivery_id)
    jobs.nudge()
    return delivery_document(done)
