"""The database itself refuses to change audit events or signed notes.

The hash chain detects tampering; these triggers stop it at the door for anyone using the
application's own connection. A signed note's ciphertext may still be rewritten (key
rotation re-encrypts it); every other column is fixed, and its SHA-256 proves the text.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOTE_FIXED = (
    "id", "practice_id", "draft_id", "encounter_id", "version", "supersedes_id",
    "text_sha256", "signer_id", "signed_at", "checklist",
)  # fmt: skip

_PG_FUNCTIONS = """
CREATE FUNCTION chartdraft_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'chartdraft: % is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION chartdraft_note_fixed() RETURNS trigger AS $$
BEGIN
    IF {changed} THEN
        RAISE EXCEPTION 'chartdraft: a signed note never changes';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    """Install the triggers for this database's dialect."""
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _NOTE_FIXED)
        op.execute(_PG_FUNCTIONS.format(changed=changed))
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION chartdraft_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER notes_no_delete BEFORE DELETE ON notes "
            "FOR EACH ROW EXECUTE FUNCTION chartdraft_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER notes_fixed BEFORE UPDATE ON notes "
            "FOR EACH ROW EXECUTE FUNCTION chartdraft_note_fixed()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'chartdraft: audit_events is append-only'); END"
        )
    op.execute(
        "CREATE TRIGGER notes_no_delete BEFORE DELETE ON notes "
        "BEGIN SELECT RAISE(ABORT, 'chartdraft: a signed note never changes'); END"
    )
    op.execute(
        f"CREATE TRIGGER notes_fixed BEFORE UPDATE OF {', '.join(_NOTE_FIXED)} ON notes "
        "BEGIN SELECT RAISE(ABORT, 'chartdraft: a signed note never changes'); END"
    )


def downgrade() -> None:
    """Remove the triggers."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP TRIGGER notes_no_delete ON notes")
        op.execute("DROP TRIGGER notes_fixed ON notes")
        op.execute("DROP FUNCTION chartdraft_refuse_change()")
        op.execute("DROP FUNCTION chartdraft_note_fixed()")
        return
    for name in ("audit_events_no_update", "audit_events_no_delete", "notes_no_delete"):
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TRIGGER notes_fixed")
