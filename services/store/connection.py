"""The store's one database connection: dialect, placeholders, cursors and transactions.

Synchronous on purpose (one connection, one lock); the service calls the store from a thread.
SQL is written once with ``?`` placeholders; for PostgreSQL they become ``%s``.
Driver errors that mean "the database is not there right now" become StoreUnavailable, which
the stage adapter retries without acking, so an outage pauses consumption and loses nothing;
every other driver error becomes StoreRejected (see ``driver_errors``). The URL is a secret:
read only to connect, never put in a message.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

from pydantic import SecretStr

from newswire.errors import StoreUnavailable
from services.store.driver_errors import convert, redact

__all__ = ["MIGRATION_LOCK", "Database", "WriteConflict"]

# PostgreSQL advisory lock id for migrations. Article writes take no global lock: they lock
# only the rows they write or merge (see ``links``), and a transaction that loses a deadlock
# or serialization race is run again (``Database.transaction``).
MIGRATION_LOCK = 7_341_001
# SQLSTATEs of a transaction PostgreSQL aborted to resolve a race with another writer.
_CONFLICT_STATES = ("40001", "40P01")
_T = TypeVar("_T")


class WriteConflict(StoreUnavailable):
    """PostgreSQL aborted the transaction to break a deadlock or a serialization conflict
    with a concurrent writer: running it again succeeds. Still a StoreUnavailable, so a
    caller that runs out of attempts leaves the record to the stage's retry."""


class Database:
    """One lazily opened connection. ``prepare`` runs on every new connection, before any
    cursor is handed out (the store migrates there); when it fails the connection is dropped,
    so the next cursor prepares again."""

    def __init__(self, url: str | SecretStr, prepare: Callable[[Database], None]) -> None:
        self._url = url if isinstance(url, SecretStr) else SecretStr(url)
        self.dialect = "postgresql" if self._url.get_secret_value().startswith(
            ("postgresql://", "postgres://")) else "sqlite"
        self._prepare = prepare
        self._lock = threading.Lock()
        self.conn: Any = None
        # the migration being applied, if any: a backfill that re-derives articles must not
        # write to tables that a later migration creates (``speakers``)
        self.applying: int | None = None

    def __repr__(self) -> str:
        return f"Database(dialect={self.dialect!r})"

    def sql(self, sql: str) -> str:
        """``sql`` with its ``?`` placeholders in this dialect's style."""
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def _connect(self) -> Any:
        url = self._url.get_secret_value()
        if self.dialect == "sqlite":
            path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") \
                else url.removeprefix("sqlite://")
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                   timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            return conn
        import psycopg

        pg = psycopg.connect(url, autocommit=True, connect_timeout=5)
        # Plan every statement for its parameters: a generic plan cached while the tables
        # were small (a seq scan of article_sketch) stays in use on a long-lived connection
        # long after they have grown (measured: 15 ms instead of 0.3 ms per sketch probe).
        pg.execute("SET plan_cache_mode = force_custom_plan")
        return pg

    def _open_locked(self) -> None:
        """Connect and prepare. Any failure to connect (a malformed URL included) is an
        outage: retried, its message redacted."""
        try:
            self.conn = self._connect()
        except Exception as exc:
            raise StoreUnavailable(redact(f"cannot connect: {type(exc).__name__}: {exc}",
                                          self._url.get_secret_value())) from None
        try:
            self._prepare(self)
        except BaseException:
            self._drop_connection()  # prepare again on the next connection
            raise

    @contextmanager
    def cursor(self, transaction: bool = False) -> Iterator[Any]:
        """A cursor under the lock; driver outages become StoreUnavailable (and reconnect),
        other driver errors StoreRejected."""
        with self._lock:
            try:
                if self.conn is None:
                    self._open_locked()
                cur = self.conn.cursor()
                if transaction:
                    self.begin(cur)
                try:
                    yield cur
                    if transaction:
                        cur.execute("COMMIT")
                except BaseException:
                    if transaction and self.conn is not None:
                        with suppress(Exception):  # connection gone: dropped below
                            cur.execute("ROLLBACK")
                    raise
                finally:
                    cur.close()
            except Exception as exc:
                if not self._is_driver_error(exc):
                    raise
                converted = convert(exc, self._url.get_secret_value())
                if getattr(exc, "sqlstate", None) in _CONFLICT_STATES:
                    raise WriteConflict(converted.detail) from None  # connection is fine
                if isinstance(converted, StoreUnavailable):
                    self._drop_connection()
                raise converted from None

    def transaction(self, work: Callable[[Any], _T], attempts: int = 8) -> _T:
        """Run ``work(cursor)`` in one write transaction; when PostgreSQL aborts it to break
        a deadlock or a serialization race with another writer, roll back and run it again
        (after a short random pause, so the two writers do not collide again in step)."""
        for attempt in range(attempts):
            try:
                with self.cursor(transaction=True) as cur:
                    return work(cur)
            except WriteConflict:
                if attempt + 1 == attempts:
                    raise
                time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
        raise AssertionError("unreachable")

    def any_of(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """``column`` is one of ``values``: a condition and its parameters. PostgreSQL takes
        one array parameter (``= ANY(?)``), so the statement's text does not change with the
        number of values and is prepared once; SQLite takes an IN list."""
        if self.dialect == "postgresql":
            return f"{column} = ANY(?)", [list(values)]
        return f"{column} IN ({', '.join('?' * len(values))})", list(values)

    def each_value(self, count: int, table: str, alias: str, condition: str,
                   columns: str) -> str:
        """A FROM clause: ``table`` rows (as ``alias``) meeting ``condition`` for each of
        ``count`` BIGINT values ``h.v`` (parameters first: ``value_params``). On PostgreSQL
        one index probe per value (an unnest with LATERAL ... OFFSET 0: the planner cannot
        turn it into a hash join over the whole table when statistics are stale, and the
        statement's text does not depend on ``count``); SQLite joins a VALUES list."""
        if self.dialect == "postgresql":
            return (f"unnest(?::BIGINT[]) AS h(v) CROSS JOIN LATERAL (SELECT {columns} "
                    f"FROM {table} AS {alias} WHERE {condition} OFFSET 0) AS {alias}")
        return (f"(SELECT column1 AS v FROM (VALUES {', '.join(['(?)'] * count)})) AS h "
                f"JOIN {table} AS {alias} ON {condition}")

    def value_params(self, values: Sequence[Any]) -> list[Any]:
        """The parameters of ``each_value``'s values."""
        return [list(values)] if self.dialect == "postgresql" else list(values)

    def insert_rows(self, cur: Any, table: str, columns: str,
                    rows: Sequence[Sequence[Any]], tail: str = "") -> None:
        """Insert ``rows`` into ``table``; ``columns`` names each column with its type
        ("hash BIGINT, article_id TEXT"); ``tail`` is an ON CONFLICT clause. PostgreSQL gets
        one statement whose parameters are one array per column (``unnest``): one round trip
        and one prepared statement whatever the number of rows. SQLite, in process, takes
        executemany."""
        if not rows:
            return
        pairs = [c.split() for c in columns.split(",")]
        names = ", ".join(name for name, _ in pairs)
        if self.dialect == "sqlite":
            cur.executemany(f"INSERT INTO {table} ({names}) VALUES "
                            f"({', '.join('?' * len(pairs))}) {tail}", rows)
            return
        arrays = ", ".join(f"%s::{kind}[]" for _, kind in pairs)
        cur.execute(f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {tail}",
                    [list(column) for column in zip(*rows, strict=True)])

    def _is_driver_error(self, exc: Exception) -> bool:
        if self.dialect == "sqlite":
            return isinstance(exc, sqlite3.Error)
        import psycopg

        return isinstance(exc, psycopg.Error)

    def _drop_connection(self) -> None:
        if self.conn is not None:
            with suppress(Exception):  # already broken
                self.conn.close()
        self.conn = None

    def close(self) -> None:
        with self._lock:
            self._drop_connection()

    def begin(self, cur: Any, lock: int | None = None) -> None:
        """Start a write transaction. SQLite takes its write lock at once (no upgrade
        deadlocks between store processes); PostgreSQL takes the given advisory lock if any
        (migrations do; article writes do not)."""
        if self.dialect == "sqlite":
            cur.execute("BEGIN IMMEDIATE")
            return
        cur.execute("BEGIN")
        if lock is not None:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
