"""The store's facade: idempotent writes and the reads the API needs, on SQLite or PostgreSQL.

``Store`` composes the store's parts and keeps one public surface for the API, the listing and
export modules, the service and the benchmarks: ``connection`` (dialect, placeholders, cursors,
driver errors), ``migrations`` (applied on every new connection), ``writes`` (articles, claims,
URLs, failures), ``links`` (what is derived from an article: near-duplicates, corroboration,
stories) and ``queries`` (the API's reads). The URL is a secret: read only to connect, never
put in a message.
"""

from __future__ import annotations

import hashlib
from contextlib import AbstractContextManager
from typing import Any

from pydantic import SecretStr

from newswire.events import ArticleEnriched, Failure
from services.store import migrations, queries, writes
from services.store.connection import Database
from services.store.text import utc_timestamp

__all__ = ["Store", "open_store", "utc_timestamp"]


class Store:
    def __init__(self, url: str | SecretStr) -> None:
        self._db = Database(url, migrations.apply)
        self.dialect = self._db.dialect

    def __repr__(self) -> str:
        return f"Store(dialect={self.dialect!r})"

    # -- connection (the private names are what tests and benchmarks reach for) -------------
    @property
    def _conn(self) -> Any:
        return self._db.conn

    def _sql(self, sql: str) -> str:
        return self._db.sql(sql)

    def _cursor(self, transaction: bool = False) -> AbstractContextManager[Any]:
        return self._db.cursor(transaction)

    def close(self) -> None:
        self._db.close()

    def migrate(self) -> int:
        with self._db.cursor():
            pass
        return self.schema_version()

    def schema_version(self) -> int:
        with self._db.cursor() as cur:
            cur.execute("SELECT MAX(version) FROM schema_migrations")
            return int(cur.fetchone()[0] or 0)

    # -- writes -----------------------------------------------------------------------------
    def upsert_article(self, article: ArticleEnriched) -> bool:
        """Store an article and its claims; True when something new was written (see
        ``writes.upsert_article``)."""
        return writes.upsert_article(self._db, article)

    def upsert_articles(self, articles: list[ArticleEnriched]) -> list[bool]:
        """Store a batch in one transaction; for each article, True when something new was
        written. Any error rolls the whole batch back (see ``writes.upsert_articles``)."""
        return writes.upsert_articles(self._db, articles)

    def record_failure(self, failure: Failure) -> None:
        writes.record_failure(self._db, failure)

    def reindex_all(self, cur: Any) -> None:
        writes.reindex_all(self._db, cur)

    # -- reads ------------------------------------------------------------------------------
    def article(self, article_id: str) -> dict[str, Any] | None:
        return queries.article(self._db, article_id)

    def article_exists(self, article_id: str) -> bool:
        return queries.article_exists(self._db, article_id)

    def article_claims(self, article_id: str, after: int | None, limit: int,
                       min_confidence: float | None = None) -> list[dict[str, Any]]:
        return queries.article_claims(self._db, article_id, after, limit, min_confidence)

    def find_claims(self, *, speaker: str | None = None, q: str | None = None,
                    since: str | None = None, kind: str | None = None,
                    min_confidence: float | None = None,
                    after: tuple[str, str, int] | None = None, limit: int = 50
                    ) -> list[dict[str, Any]]:
        return queries.find_claims(self._db, speaker=speaker, q=q, since=since, kind=kind,
                                   min_confidence=min_confidence, after=after, limit=limit)

    def search(self, query_words: list[str], after: tuple[float, str] | None, limit: int
               ) -> list[dict[str, Any]]:
        return queries.search(self._db, query_words, after, limit)

    def stories(self, min_sites: int, after: tuple[str, str] | None, limit: int
                ) -> list[dict[str, Any]]:
        return queries.stories(self._db, min_sites, after, limit)

    def story(self, story_id: str) -> dict[str, Any] | None:
        return queries.story(self._db, story_id)

    def article_id_for_url(self, canonical_url: str) -> str | None:
        return queries.article_id_for_url(self._db, canonical_url)

    def failure_for_url(self, canonical_url: str) -> dict[str, Any] | None:
        return queries.failure_for_url(self._db, canonical_url)

    def failures(self, limit: int = 100) -> list[dict[str, Any]]:
        return queries.failures(self._db, limit)

    def stats(self) -> dict[str, int]:
        return queries.stats(self._db)

    def rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """Run one read (``?`` placeholders) and return its rows: for query modules such as
        listing.py that build their SQL beside the API they serve."""
        return queries.rows(self._db, sql, params)

    def content_hashes(self) -> dict[str, str]:
        return queries.content_hashes(self._db)


def open_store(url: str) -> Store:
    store = Store(url)
    store.migrate()
    return store


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
