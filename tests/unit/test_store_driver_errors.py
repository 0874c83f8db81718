"""Driver exceptions -> retried outage or permanent rejection, with secrets redacted."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from psycopg import errors as pg

from newswire.errors import StoreRejected, StoreUnavailable
from services.store.driver_errors import convert, is_outage, redact

DSN = "postgresql://newswire:s3cr%40t@db.internal:5432/newswire"


@pytest.mark.parametrize("sqlstate", ["08000", "08006", "08001", "25006", "40001", "40P01",
                                      "53000", "53100", "53300", "55P03", "57P01", "57P03",
                                      "57014", "58000", "58030"])
def test_postgres_outage_sqlstates_are_retried(sqlstate: str) -> None:
    exc = pg.lookup(sqlstate)("server says no")
    assert exc.sqlstate == sqlstate and is_outage(exc)
    assert isinstance(convert(exc, DSN), StoreUnavailable)


@pytest.mark.parametrize("sqlstate", ["22001", "22003", "22021", "22P02", "23505", "23503",
                                      "23502", "42P01", "42601", "54000", "XX000"])
def test_postgres_data_and_constraint_errors_stay_permanent(sqlstate: str) -> None:
    exc = pg.lookup(sqlstate)("bad row")
    assert not is_outage(exc)
    converted = convert(exc, DSN)
    assert isinstance(converted, StoreRejected) and sqlstate in converted.detail


def test_client_side_connection_errors_are_outages() -> None:
    assert is_outage(psycopg.OperationalError("connection failed"))
    assert is_outage(psycopg.InterfaceError("the connection is closed"))
    assert not is_outage(psycopg.DataError("PostgreSQL text fields cannot contain NUL"))
    assert not is_outage(psycopg.ProgrammingError("invalid dsn"))
    assert not is_outage(ValueError("not a driver error"))


@pytest.mark.parametrize("message", ["database is locked", "database table is locked",
                                     "attempt to write a readonly database",
                                     "unable to open database file", "disk I/O error",
                                     "database or disk is full"])
def test_sqlite_outage_messages_are_retried(message: str) -> None:
    assert is_outage(sqlite3.OperationalError(message))


@pytest.mark.parametrize("exc", [sqlite3.OperationalError("no such table: articles"),
                                 sqlite3.IntegrityError("UNIQUE constraint failed: x.id"),
                                 sqlite3.DataError("string or blob too big")])
def test_sqlite_other_errors_stay_permanent(exc: sqlite3.Error) -> None:
    assert not is_outage(exc) and isinstance(convert(exc, "sqlite:///x.db"), StoreRejected)


def test_real_sqlite_read_only_and_locked_errors_are_outages(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    conn.close()
    read_only = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as info:
        read_only.execute("INSERT INTO t VALUES (1)")
    read_only.close()
    assert is_outage(info.value)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as locked:
        other.execute("INSERT INTO t VALUES (2)")
    other.close()
    holder.execute("ROLLBACK")
    holder.close()
    assert is_outage(locked.value)


@pytest.mark.parametrize("message", [
    f'invalid connection option in "{DSN}"',
    'unexpected spaces found in "s3cr@t", use percent-encoded spaces (%20) instead',
    "could not connect: postgresql://other:hunter2@10.0.0.9/db",
    "conninfo: host=db user=newswire password=hunter2 dbname=newswire",
])
def test_messages_never_carry_the_password(message: str) -> None:
    cleaned = redact(message, DSN)
    for secret in ("s3cr%40t", "s3cr@t", "hunter2"):
        assert secret not in cleaned
    assert "s3cr" not in str(convert(psycopg.ProgrammingError(message), DSN))


def test_redacting_a_malformed_store_url_still_hides_its_password() -> None:
    bad = "postgresql://u:pa ss@[::1/db"  # urlsplit cannot parse it
    assert "pa ss" not in redact(f'invalid URI: "{bad}"', bad)
