"""Schemathesis over the OpenAPI schema: generated requests to every operation find no 5xx."""

import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from chartdraft.services.clinic import Clinic
from chartdraft.store.crypto import FieldCipher, KeyRing
from chartdraft.store.database import open_database
from chartdraft.store.migrate import upgrade
from chartdraft.store.records import RecordStore
from chartdraft.web.app import create_app
from tests.storage.conftest import Clock, make_team
from tests.storage.visits import recorded_draft
from tests.web.conftest import caller

CALLERS: list[dict[str, str]] = []
"""A clinician's and an auditor's headers: between them every route is reached past its role check."""


@pytest.fixture(scope="module")
def api_schema(
    tmp_path_factory: pytest.TempPathFactory, service: object
) -> Iterator[schemathesis.BaseSchema]:
    """The app on a fresh SQLite file, with a signed-in clinician's token for every request."""
    database = open_database(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    upgrade(database)
    keys = KeyRing(current="f1", keys={"f1": os.urandom(32)})
    clinic = Clinic(
        records=RecordStore(database, FieldCipher(keys)), drafting=service, clock=Clock()
    )  # type: ignore[arg-type]
    team = make_team(clinic)
    recorded_draft(clinic, team.clinician)  # something to find, so ids are not all unknown
    CALLERS.extend([caller(clinic, team.clinician).headers, caller(clinic, team.auditor).headers])
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(clinic=clinic))
    database.dispose()


def test_no_request_makes_the_server_fail(api_schema: schemathesis.BaseSchema) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 11
    for operation in operations:
        for headers in CALLERS:
            _fuzz(operation, headers)


def _fuzz(operation: object, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())  # type: ignore[attr-defined]
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True)  # fmt: skip
    def no_server_error(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    no_server_error()
