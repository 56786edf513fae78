"""Indexes that lead with the practice, for the lookups every request makes.

Each repository query names the practice and a draft or an encounter. SQLite keeps no
statistics and, given a choice of two single-column indexes, walked the practice's index: at
10,000 encounters loading a draft's findings took 4.4 ms of an 11 ms signature.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_findings_practice_draft", "findings", ["practice_id", "draft_id", "ordinal"]),
    ("ix_captures_practice_encounter", "captures", ["practice_id", "encounter_id", "created_at"]),
    ("ix_drafts_practice_encounter", "drafts", ["practice_id", "encounter_id"]),
)


def upgrade() -> None:
    """Create the indexes."""
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    """Drop the indexes."""
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)
