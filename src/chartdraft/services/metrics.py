"""Quality metrics for a practice, computed from its record."""

from datetime import datetime

from chartdraft.domain.metrics import EncounterFacts
from chartdraft.domain.practice import Actor
from chartdraft.domain.review import Role
from chartdraft.services.clinic import Clinic
from chartdraft.services.quality_metrics import GroupBy, QualityMetrics, compute_metrics
from chartdraft.store.metrics_rows import encounter_facts
from chartdraft.store.records import RecordStore

METRICS_ROLES = (Role.ADMIN, Role.AUDITOR)


def practice_facts(
    records: RecordStore, practice_id: str, since: datetime | None = None
) -> list[EncounterFacts]:
    """Return the facts of every drafted encounter of the practice."""
    with records.practice(practice_id, read_only=True) as practice:
        return list(encounter_facts(practice.scope, since))


def practice_metrics(
    records: RecordStore, practice_id: str, group_by: GroupBy, since: datetime | None = None
) -> list[QualityMetrics]:
    """Return the practice's quality metrics, one row per group."""
    return compute_metrics(practice_facts(records, practice_id, since), group_by)


def metrics_for(
    clinic: Clinic, actor: Actor, group_by: GroupBy, since: datetime | None = None
) -> list[QualityMetrics]:
    """Return the actor's practice's metrics (admins and auditors: counts and rates, no text)."""
    with clinic.acting(actor, "see quality metrics", *METRICS_ROLES, read_only=True):
        pass
    return practice_metrics(clinic.records, actor.practice_id, group_by, since)
