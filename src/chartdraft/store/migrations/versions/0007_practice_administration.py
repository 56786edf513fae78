"""A practice's administration: its own templates, BAA records, engine choices and retention.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=32)


def _common(table: str) -> list[Any]:
    # Every table: an id, its practice, who changed it last (a user of the practice).
    return [
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", ID, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f(f"fk_{table}_practice_id_practices")
        ),
    ]


def _changed_by(table: str, column: str) -> list[Any]:
    return [
        sa.Column(column, ID, nullable=False),
        sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users")),
    ]


def upgrade() -> None:
    """Create the four tables."""
    op.create_table(
        "practice_templates",
        *_common("practice_templates"),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        *_changed_by("practice_templates", "updated_by"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "practice_id", "name", name=op.f("uq_practice_templates_practice_id_name")
        ),
    )
    op.create_table(
        "baa_records",
        *_common("baa_records"),
        sa.Column("vendor", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("engines", sa.String(length=1000), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_changed_by("baa_records", "created_by"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "practice_engines",
        *_common("practice_engines"),
        sa.Column("engine", sa.String(length=60), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("phi_allowed", sa.Boolean(), nullable=False),
        sa.Column("baa_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["baa_id"], ["baa_records.id"], name=op.f("fk_practice_engines_baa_id_baa_records")
        ),
        *_changed_by("practice_engines", "updated_by"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "practice_id", "engine", name=op.f("uq_practice_engines_practice_id_engine")
        ),
    )
    op.create_table(
        "practice_retention",
        sa.Column("id", ID, nullable=False),
        sa.Column("practice_id", ID, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_retention")),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_practice_retention_practice_id_practices"),
        ),
        sa.UniqueConstraint("practice_id", name=op.f("uq_practice_retention_practice_id")),
        sa.Column("capture_days", sa.Integer(), nullable=True),
        sa.Column("unsigned_draft_days", sa.Integer(), nullable=True),
        *_changed_by("practice_retention", "updated_by"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    for table in ("practice_templates", "baa_records", "practice_engines"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(
                batch_op.f(f"ix_{table}_practice_id"), ["practice_id"], unique=False
            )


def downgrade() -> None:
    """Drop the four tables."""
    for table in ("practice_retention", "practice_engines", "baa_records", "practice_templates"):
        op.drop_table(table)
