"""Uploaded dictation recordings, waiting for (or done with) transcription.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=32)


def upgrade() -> None:
    """Create the recordings table."""
    op.create_table(
        "recordings",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", ID, nullable=False),
        sa.Column("uploaded_by", ID, nullable=False),
        sa.Column("clinician_id", ID, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("audio_bytes", sa.Integer(), nullable=False),
        sa.Column("audio_sha256", sa.String(length=64), nullable=False),
        sa.Column("audio_enc", sa.Text(), nullable=True),
        sa.Column("audio_deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("details_enc", sa.Text(), nullable=False),
        sa.Column("transcript_enc", sa.Text(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("encounter_id", ID, nullable=True),
        sa.Column("draft_id", ID, nullable=True),
        sa.Column("transcribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_recordings_practice_id_practices")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_recordings_uploaded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"], ["users.id"], name=op.f("fk_recordings_clinician_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["encounter_id"], ["encounters.id"], name=op.f("fk_recordings_encounter_id_encounters")
        ),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["drafts.id"], name=op.f("fk_recordings_draft_id_drafts")
        ),
    )
    with op.batch_alter_table("recordings") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recordings_practice_id"), ["practice_id"], unique=False
        )
        batch_op.create_index("ix_recordings_state", ["state"], unique=False)


def downgrade() -> None:
    """Drop the recordings table."""
    op.drop_table("recordings")
