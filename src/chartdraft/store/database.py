"""Connect to the database: a SQLite file by default, PostgreSQL (psycopg 3) in production."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from chartdraft.domain.errors import ConfigError, ConflictError, StorageError

_SQLITE_BUSY_MS = 30_000


@dataclass(frozen=True)
class Database:
    """One database: an engine and the sessions that write to it in whole transactions."""

    engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    """For reads only: on SQLite these begin DEFERRED, so readers never queue for the write lock."""

    @property
    def is_sqlite(self) -> bool:
        """Return True for the embedded SQLite database."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Session]:
        """Yield a session whose work commits as a whole, or not at all."""
        maker = self.read_sessions if read_only else self.sessions
        try:
            with maker.begin() as session:
                yield session
        except IntegrityError as exc:
            # A unique key caught a race (two signatures of one draft): the other one won.
            raise ConflictError(
                "Someone else changed this record at the same time; nothing was saved."
            ) from exc
        except OperationalError as exc:
            # The connection or the lock, never the clinician's input: say so without the SQL.
            raise StorageError("The database is unavailable or busy; nothing was saved.") from exc
        except DBAPIError as exc:
            raise StorageError("The database refused the change; nothing was saved.") from exc

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        self.read_sessions.kw["bind"].dispose()


def open_database(url: str, *, echo: bool = False) -> Database:
    """Return the database at ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError("CHARTDRAFT_DATABASE__URL is not a database URL.") from None
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError("CHARTDRAFT_DATABASE__URL must name SQLite or PostgreSQL.")
    options: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        engine, reader = create_engine(parsed, **options), create_engine(parsed, **options)
        _configure_sqlite(engine, begin="BEGIN IMMEDIATE")
        _configure_sqlite(reader, begin="BEGIN")
    else:
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = reader = create_engine(parsed, pool_pre_ping=True, **options)
    return Database(
        engine,
        sessionmaker(engine, expire_on_commit=False),
        sessionmaker(reader, expire_on_commit=False),
    )


def _configure_sqlite(engine: Engine, *, begin: str) -> None:
    # WAL lets readers work while one writer commits; foreign keys are off in SQLite unless
    # asked for on every connection. Writing transactions start IMMEDIATE so that two writers
    # queue for the lock instead of both reading and one failing when it tries to write.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)
