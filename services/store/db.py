"""The store's core: idempotent writes and the reads the API needs, on SQLite or PostgreSQL.

Synchronous on purpose (one connection, one lock); the service calls it from a thread.
SQL is written once with ``?`` placeholders; for PostgreSQL they become ``%s``.
Driver errors that mean "the database is not there right now" become StoreUnavailable, which
the stage adapter retries without acking, so an outage pauses consumption and loses nothing.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from newswire.errors import StoreUnavailable
from newswire.events import ArticleEnriched, Failure
from newswire.urls import canonicalize
from services.store.migrations import MIGRATIONS

__all__ = ["Store", "open_store"]

_ARTICLE_COLUMNS = ("id, url, canonical_url, final_url, submitted_url, title, text, author, "
                    "published, language, site, fetched_at, content_hash, version, metadata, "
                    "claims_partial, stored_at")
_CLAIM_COLUMNS = ("kind, text, start_offset, end_offset, direct, speaker, speaker_start, "
                  "speaker_end, cue, checkworthiness, type")


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = "postgresql" if url.startswith(("postgresql://", "postgres://")) \
            else "sqlite"
        self._lock = threading.Lock()
        self._conn: Any = None

    # -- connection -------------------------------------------------------------------------
    def _connect(self) -> Any:
        if self.dialect == "sqlite":
            path = self.url.removeprefix("sqlite:///") if self.url.startswith("sqlite:///") \
                else self.url.removeprefix("sqlite://")
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                   timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            return conn
        import psycopg

        return psycopg.connect(self.url, autocommit=True, connect_timeout=5)

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    @contextmanager
    def _cursor(self, transaction: bool = False) -> Iterator[Any]:
        """A cursor under the lock; driver outages become StoreUnavailable (and reconnect)."""
        with self._lock:
            try:
                if self._conn is None:
                    self._conn = self._connect()
                    self._migrate_locked()
                cur = self._conn.cursor()
                if transaction:
                    cur.execute("BEGIN")
                try:
                    yield cur
                    if transaction:
                        cur.execute("COMMIT")
                except BaseException:
                    if transaction and self._conn is not None:
                        try:
                            cur.execute("ROLLBACK")
                        except Exception:  # connection gone: dropped below
                            pass
                    raise
                finally:
                    cur.close()
            except Exception as exc:
                if self._is_outage(exc):
                    self._drop_connection()
                    raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from None
                raise

    def _is_outage(self, exc: Exception) -> bool:
        if self.dialect == "sqlite":
            return isinstance(exc, sqlite3.OperationalError) and (
                "locked" in str(exc) or "unable to open" in str(exc) or "disk" in str(exc))
        import psycopg

        return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)

    def _drop_connection(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # already broken
                pass
        self._conn = None

    def close(self) -> None:
        with self._lock:
            self._drop_connection()

    def migrate(self) -> int:
        with self._cursor():
            pass
        return self.schema_version()

    def _migrate_locked(self) -> None:
        cur = self._conn.cursor()
        cur.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
        cur.execute("SELECT version FROM schema_migrations")
        applied = {row[0] for row in cur.fetchall()}
        for version, name, statements in MIGRATIONS:
            if version in applied:
                continue
            cur.execute("BEGIN")
            try:
                for statement in statements:
                    sql = statement if isinstance(statement, str) else statement[self.dialect]
                    cur.execute(sql)
                cur.execute(self._sql("INSERT INTO schema_migrations VALUES (?, ?, ?)"),
                            (version, name, _now()))
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        cur.close()

    def schema_version(self) -> int:
        with self._cursor() as cur:
            cur.execute("SELECT MAX(version) FROM schema_migrations")
            return int(cur.fetchone()[0] or 0)

    # -- writes -----------------------------------------------------------------------------
    def upsert_article(self, article: ArticleEnriched) -> bool:
        """Store an article and its claims. Idempotent: replaying the same event changes
        nothing. Returns True when something new was written (new article or new version)."""
        with self._cursor(transaction=True) as cur:
            cur.execute(self._sql("SELECT content_hash, version FROM articles WHERE id = ?"),
                        (article.article_id,))
            row = cur.fetchone()
            if row is not None and row[0] == article.content_hash:
                self._link_urls(cur, article)
                return False
            cur.execute(self._sql(
                "INSERT INTO article_versions VALUES (?, ?, ?, ?) "
                "ON CONFLICT (article_id, content_hash) DO NOTHING"),
                (article.article_id, article.content_hash, (row[1] + 1) if row else 1,
                 article.fetched_at.isoformat()))
            cur.execute(self._sql("SELECT COUNT(*) FROM article_versions WHERE article_id = ?"),
                        (article.article_id,))
            version = int(cur.fetchone()[0])
            values = (
                article.article_id, article.url, article.canonical_url, article.final_url,
                article.submitted_url, article.title, article.text, article.author,
                article.published, article.language, article.site,
                article.fetched_at.isoformat(), article.content_hash, version,
                orjson.dumps(article.metadata).decode(), int(article.claims_partial), _now())
            updates = ", ".join(f"{c.strip()} = excluded.{c.strip()}"
                                for c in _ARTICLE_COLUMNS.split(",")[1:])
            cur.execute(self._sql(
                f"INSERT INTO articles ({_ARTICLE_COLUMNS}) VALUES ({', '.join('?' * 17)}) "
                f"ON CONFLICT (id) DO UPDATE SET {updates}"), values)
            cur.execute(self._sql("DELETE FROM claims WHERE article_id = ?"),
                        (article.article_id,))
            rows = [(article.article_id, i, c.get("kind", "statement"), c.get("text", ""),
                     c.get("start", 0), c.get("end", 0), int(bool(c.get("direct"))),
                     c.get("speaker"), c.get("speaker_start"), c.get("speaker_end"),
                     c.get("cue"), float(c.get("checkworthiness", 0.0)), c.get("type"))
                    for i, c in enumerate(article.claims)]
            if rows:
                cur.executemany(self._sql(
                    f"INSERT INTO claims (article_id, idx, {_CLAIM_COLUMNS}) "
                    f"VALUES ({', '.join('?' * 13)})"), rows)
            self._link_urls(cur, article)
            return True

    def _link_urls(self, cur: Any, article: ArticleEnriched) -> None:
        urls = {article.url, article.canonical_url}
        for extra in (article.final_url, article.submitted_url):
            try:
                urls.add(canonicalize(extra))
            except Exception:  # a URL we cannot parse is simply not linked
                continue
        cur.executemany(self._sql(
            "INSERT INTO article_urls VALUES (?, ?) "
            "ON CONFLICT (url) DO UPDATE SET article_id = excluded.article_id"),
            [(u, article.article_id) for u in sorted(urls)])

    def record_failure(self, failure: Failure) -> None:
        """Idempotent: one row per failed URL (or per broken record when no URL is known)."""
        key = failure.url or f"{failure.topic}:{failure.partition}:{failure.offset}"
        with self._cursor() as cur:
            cur.execute(self._sql(
                "INSERT INTO failures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET stage = excluded.stage, "
                "reason = excluded.reason, detail = excluded.detail, topic = excluded.topic, "
                "partition_no = excluded.partition_no, offset_no = excluded.offset_no, "
                "failed_at = excluded.failed_at"),
                (key, failure.url, failure.submitted_url, failure.stage, failure.reason,
                 failure.detail, failure.topic, failure.partition, failure.offset,
                 failure.occurred_at.isoformat()))

    # -- reads ------------------------------------------------------------------------------
    def article(self, article_id: str) -> dict[str, Any] | None:
        with self._cursor() as cur:
            cur.execute(self._sql(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?"),
                        (article_id,))
            row = cur.fetchone()
            if row is None:
                return None
            names = [c.strip() for c in _ARTICLE_COLUMNS.split(",")]
            art = dict(zip(names, row, strict=True))
            art["metadata"] = orjson.loads(art["metadata"])
            art["claims_partial"] = bool(art["claims_partial"])
            art["claims"] = self._claims(cur, article_id)
            return art

    def _claims(self, cur: Any, article_id: str) -> list[dict[str, Any]]:
        cur.execute(self._sql(
            f"SELECT {_CLAIM_COLUMNS} FROM claims WHERE article_id = ? ORDER BY idx"),
            (article_id,))
        out = []
        for (kind, text, start, end, direct, speaker, s_start, s_end, cue, score,
             ctype) in cur.fetchall():
            out.append({"kind": kind, "text": text, "start": start, "end": end,
                        "direct": bool(direct), "speaker": speaker, "speaker_start": s_start,
                        "speaker_end": s_end, "cue": cue, "checkworthiness": score,
                        "type": ctype})
        return out

    def article_id_for_url(self, canonical_url: str) -> str | None:
        with self._cursor() as cur:
            cur.execute(self._sql("SELECT article_id FROM article_urls WHERE url = ?"),
                        (canonical_url,))
            row = cur.fetchone()
            return row[0] if row else None

    def failure_for_url(self, canonical_url: str) -> dict[str, Any] | None:
        with self._cursor() as cur:
            cur.execute(self._sql(
                "SELECT stage, reason, detail, failed_at FROM failures WHERE url = ? "
                "ORDER BY failed_at DESC"), (canonical_url,))
            row = cur.fetchone()
            if row is None:
                return None
            return {"stage": row[0], "reason": row[1], "detail": row[2], "failed_at": row[3]}

    def failures(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._cursor() as cur:
            cur.execute(self._sql(
                "SELECT key, url, stage, reason, detail, failed_at FROM failures "
                "ORDER BY failed_at DESC LIMIT ?"), (limit,))
            return [dict(zip(("key", "url", "stage", "reason", "detail", "failed_at"), r,
                             strict=True)) for r in cur.fetchall()]

    def stats(self) -> dict[str, int]:
        with self._cursor() as cur:
            out = {}
            for name, table in (("articles", "articles"), ("failures", "failures"),
                                ("claims", "claims")):
                cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed names
                out[name] = int(cur.fetchone()[0])
            return out

    def content_hashes(self) -> dict[str, str]:
        with self._cursor() as cur:
            cur.execute("SELECT id, content_hash FROM articles")
            return {r[0]: r[1] for r in cur.fetchall()}


def open_store(url: str) -> Store:
    store = Store(url)
    store.migrate()
    return store


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


