"""Single sign-on against a real OpenID Provider, on SQLite and on PostgreSQL."""

from collections.abc import Iterator

import pytest

from tests.sso.provider import running_provider
from tests.storage.conftest import (  # noqa: F401 - fixtures shared with the storage suite
    Team,
    cipher,
    clinic,
    database,
    postgres_database,
    postgres_schema_url,
    team,
)

CALLBACK = "http://testserver/login/sso/callback"
"""Where the provider returns the browser: the in-process app (TestClient's address)."""


@pytest.fixture(scope="session")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The provider, for the whole run (its accounts are static; tests add their own tags)."""
    with running_provider(CALLBACK, tmp_path_factory.mktemp("oidc") / "provider.log") as url:
        yield url
