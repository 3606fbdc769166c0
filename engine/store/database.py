"""Connections and transactions. SQLite (embedded default) and PostgreSQL behave alike to callers."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import Engine

SQLITE_BUSY_TIMEOUT_S = 30


class Database:
    """A database URL made usable: `write()` and `read()` give a connection inside one transaction."""

    def __init__(self, url: str, *, pool_size: int = 10):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = create_engine(
                url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
                pool_size=pool_size, max_overflow=pool_size,
            )
            _make_sqlite_transactional(self.engine)
        else:
            self.engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        self._reader = self.engine.execution_options(sqlite_begin="DEFERRED")

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One read-write transaction; on SQLite it takes the write lock up front (BEGIN IMMEDIATE)."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._reader.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def _make_sqlite_transactional(engine: Engine) -> None:
    # pysqlite's own transaction handling starts transactions lazily and upgrades read locks, which makes
    # concurrent writers fail at once with "database is locked"; we issue BEGIN ourselves instead.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")
