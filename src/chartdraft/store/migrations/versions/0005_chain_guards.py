"""The audit chain's own guards: no TRUNCATE, and a practice's chain length never goes back.

0002 refuses UPDATE and DELETE of an event, row by row. TRUNCATE skips row triggers on
PostgreSQL, and a chain emptied that way, with the practice's recorded length and head reset,
would verify as intact; so TRUNCATE is refused too, and the recorded length may only grow.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_CHAIN_HEAD = """
CREATE FUNCTION chartdraft_chain_forward() RETURNS trigger AS $$
BEGIN
    IF NEW.audit_seq < OLD.audit_seq
       OR (NEW.audit_head IS DISTINCT FROM OLD.audit_head AND NEW.audit_seq <= OLD.audit_seq) THEN
        RAISE EXCEPTION 'chartdraft: an audit chain only grows';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""
_SQLITE_CHAIN_HEAD = (
    "CREATE TRIGGER practices_chain_forward BEFORE UPDATE OF audit_seq, audit_head ON practices "
    "WHEN NEW.audit_seq < OLD.audit_seq OR "
    "(NEW.audit_head IS NOT OLD.audit_head AND NEW.audit_seq <= OLD.audit_seq) "
    "BEGIN SELECT RAISE(ABORT, 'chartdraft: an audit chain only grows'); END"
)


def upgrade() -> None:
    """Install the guards for this database's dialect."""
    if op.get_bind().dialect.name != "postgresql":
        op.execute(_SQLITE_CHAIN_HEAD)  # SQLite has no TRUNCATE: DELETE's triggers cover it
        return
    op.execute(_PG_CHAIN_HEAD)
    op.execute(
        "CREATE TRIGGER practices_chain_forward BEFORE UPDATE ON practices "
        "FOR EACH ROW EXECUTE FUNCTION chartdraft_chain_forward()"
    )
    for table in ("audit_events", "notes"):
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION chartdraft_refuse_change()"
        )


def downgrade() -> None:
    """Remove the guards."""
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TRIGGER practices_chain_forward")
        return
    for table in ("audit_events", "notes"):
        op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
    op.execute("DROP TRIGGER practices_chain_forward ON practices")
    op.execute("DROP FUNCTION chartdraft_chain_forward()")
