"""Drafting as one practice has set it up: its templates and the engines it allows."""

from dataclasses import replace

from chartdraft.services.administration import practice_engines
from chartdraft.services.clinic import Clinic
from chartdraft.services.drafting import DraftingService
from chartdraft.services.practice_templates import practice_catalog


def practice_drafting(clinic: Clinic, practice_id: str) -> DraftingService:
    """Return the server's drafting service narrowed to the practice's templates and engines."""
    # Read at each use, not cached: an admin's change (an engine disabled, a BAA ended) must
    # hold for the very next draft, on every server process.
    return replace(
        clinic.drafting,
        catalog=practice_catalog(clinic, practice_id),
        engines=practice_engines(clinic, practice_id),
    )
