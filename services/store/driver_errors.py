"""Database driver exceptions converted at the edge, by what the pipeline does next.

    outage (is_outage)     the database is not there or cannot write right now:
                           StoreUnavailable, retried without acking, never dead-lettered
    rejected (else)        this record will fail the same way again (22xxx data, 23xxx
                           constraint...): StoreRejected, a Failure with a reason

PostgreSQL errors are classified by SQLSTATE: class 08 (connection), 25006 (read-only
transaction, e.g. a replica after failover), 40 (serialization failure, deadlock: retry the
transaction), 53 (insufficient resources), 55P03 (lock not available), 57 (operator
intervention: shutdown, cancel), 58 (system error); a driver error with no SQLSTATE is the
client losing its connection. SQLite: busy, locked, read-only, I/O error, disk full, cannot
open. Messages are redacted: a driver may quote the connection string, password included.
"""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import unquote, urlsplit

from newswire.errors import StoreRejected, StoreUnavailable

__all__ = ["convert", "is_outage", "redact"]

_PG_OUTAGE_CLASSES = ("08", "40", "53", "57", "58")
_PG_OUTAGE_STATES = ("25006", "55P03")
# Primary result codes: BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
_SQLITE_OUTAGE_CODES = frozenset({5, 6, 8, 10, 13, 14, 15})
_SQLITE_OUTAGE_WORDS = ("locked", "readonly", "read-only", "unable to open", "disk",
                        "busy")
_URL_CREDENTIALS = re.compile(r"(://[^/@\s:\"']*:)([^@\"']*)@")
_KEYWORD_PASSWORD = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


def is_outage(exc: BaseException) -> bool:
    """True when ``exc`` means "the database cannot serve this right now"."""
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(code, int):
            return (code & 0xFF) in _SQLITE_OUTAGE_CODES
        return isinstance(exc, sqlite3.OperationalError) and any(
            word in str(exc).lower() for word in _SQLITE_OUTAGE_WORDS)
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    if not isinstance(exc, psycopg.Error):
        return False
    state = exc.sqlstate
    if state is None:  # raised by the client: connection lost, closed or never made
        return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)
    return state.startswith(_PG_OUTAGE_CLASSES) or state in _PG_OUTAGE_STATES


def _password(secret: str) -> str | None:
    try:
        password = urlsplit(secret).password
    except ValueError:  # a malformed URL: read the credentials by pattern
        found = _URL_CREDENTIALS.search(secret) or _KEYWORD_PASSWORD.search(secret)
        return found.group(2) if found else None
    if password is None:
        found = _KEYWORD_PASSWORD.search(secret)  # key=value form: "host=db password=x"
        return found.group(2) if found else None
    return password


def redact(message: str, secret: str) -> str:
    """``message`` without the connection string, its password or any credentials in it."""
    password = _password(secret)
    for value in (secret, password, unquote(password or "")):
        if value:
            message = message.replace(value, "***")
    message = _URL_CREDENTIALS.sub(r"\1***@", message)
    return _KEYWORD_PASSWORD.sub(r"\1***", message)


def convert(exc: Exception, secret: str) -> StoreUnavailable | StoreRejected:
    """The newswire error for a driver exception, its message redacted."""
    state = getattr(exc, "sqlstate", None)
    detail = redact(f"{type(exc).__name__}{f' [{state}]' if state else ''}: {exc}", secret)
    return StoreUnavailable(detail) if is_outage(exc) else StoreRejected(detail)
