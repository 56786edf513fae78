"""The outbox of signed notes on their way to the EHR.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=32)


def upgrade() -> None:
    """Create the deliveries table."""
    op.create_table(
        "deliveries",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", ID, nullable=False),
        sa.Column("note_id", ID, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", ID, nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_reason", sa.String(length=300), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("outcome_enc", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_deliveries_practice_id_practices")
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_deliveries_note_id_notes")
        ),
        sa.UniqueConstraint("note_id", name=op.f("uq_deliveries_note_id")),
    )
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deliveries_practice_id"), ["practice_id"], unique=False
        )
        batch_op.create_index(
            "ix_deliveries_state_next_attempt_at", ["state", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    """Drop the deliveries table."""
    op.drop_table("deliveries")
