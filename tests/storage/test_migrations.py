"""Migrations build the schema from nothing and carry a database on the previous schema forward."""

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from chartdraft.domain.audit import AuditEntry, AuditKind
from chartdraft.store.audit_chain import append_event, verify_chain
from chartdraft.store.database import Database
from chartdraft.store.migrate import current_revision, head_revision, upgrade
from chartdraft.store.people import create_practice
from chartdraft.store.tables import Base

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_an_empty_database_upgrades_to_exactly_the_tables_the_code_declares(
    empty_database: Database,
):
    assert current_revision(empty_database) is None
    upgrade(empty_database)
    assert current_revision(empty_database) == head_revision()
    with empty_database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


@pytest.mark.parametrize("previous", ["0001", "0004", "0006"])
def test_an_earlier_schema_upgrades_with_its_records_intact(
    empty_database: Database, previous: str
):
    upgrade(empty_database, previous)
    with empty_database.transaction() as session:
        practice_id = create_practice(session, "Old Practice", AT)
        append_event(session, practice_id, AuditEntry(AuditKind.AUTH_LOGIN), AT)
    # After the upgrade the database refuses to change the trail (0002 and 0005).
    upgrade(empty_database)
    assert current_revision(empty_database) == head_revision()
    with empty_database.transaction() as session:
        assert verify_chain(session, practice_id).events == 1
    with pytest.raises(Exception, match="append-only"), empty_database.engine.begin() as c:
        c.execute(text("DELETE FROM audit_events"))


def test_upgrading_twice_changes_nothing(empty_database: Database):
    upgrade(empty_database)
    upgrade(empty_database)
    assert current_revision(empty_database) == head_revision()
