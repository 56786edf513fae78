"""Who is acting: a user of one practice, in one role. Every service call names its actor."""

from dataclasses import dataclass

from chartdraft.domain.review import Role


@dataclass(frozen=True)
class Actor:
    """The signed-in user (or API token's user) on whose behalf a service acts."""

    user_id: str
    practice_id: str
    role: Role


@dataclass(frozen=True)
class PatientDetails:
    """The minimal patient record: enough to file the note, nothing more (all PHI)."""

    display_name: str
    mrn: str
    birth_date: str | None = None
    """ISO date (YYYY-MM-DD)."""
