"""The store's core: idempotent writes and the reads the API needs, on SQLite or PostgreSQL.

Synchronous on purpose (one connection, one lock); the service calls it from a thread.
SQL is written once with ``?`` placeholders; for PostgreSQL they become ``%s``.
Driver errors that mean "the database is not there right now" become StoreUnavailable, which
the stage adapter retries without acking, so an outage pauses consumption and loses nothing;
every other driver error becomes StoreRejected (see ``driver_errors``). The URL is a secret:
read only to connect, never put in a message.
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
from pydantic import SecretStr

from newswire.errors import InvalidUrl, StoreUnavailable
from newswire.events import ArticleEnriched, Failure
from newswire.urls import canonicalize, control_character, domain_key
from services.store.driver_errors import convert, redact
from services.store.migrations import MIGRATIONS
from services.store.text import (
    DUPLICATE_JACCARD,
    estimate_jaccard,
    padded,
    content_words,
    paraphrase_match,
    quote_shingles,
    quoted_shingles,
    quotes_match,
    resolve_speakers,
    sketch,
    speaker_key,
    speaker_name,
    tokens,
    utc_timestamp,
)

__all__ = ["Store", "open_store", "utc_timestamp"]

_ARTICLE_COLUMNS = ("id, url, canonical_url, final_url, submitted_url, title, text, author, "
                    "published, language, site, fetched_at, content_hash, version, metadata, "
                    "claims_partial, stored_at, domain")
_CLAIM_COLUMNS = ("kind, text, start_offset, end_offset, direct, speaker, speaker_start, "
                  "speaker_end, cue, checkworthiness, type, confidence")
_CLAIM_COLUMNS_C = ", ".join(f"c.{c.strip()}" for c in _CLAIM_COLUMNS.split(","))
_CLAIM_EXTRA = ("speaker_resolved, speaker_name, speaker_norm, speaker_key, text_norm, "
                "n_shingles, n_words, n_quoted, seen_at")
# PostgreSQL advisory lock ids: one for migrations, one serialising article writes (linking
# reads other articles' rows, so two writers must not miss each other's uncommitted claims).
_MIGRATION_LOCK = 7_341_001
_WRITE_LOCK = 7_341_002
STORY_JACCARD = 0.3
MIN_DUPLICATE_SHINGLES = 20


def _confidence(value: Any) -> float | None:
    """A claim's confidence as stored: a number in [0, 1], or NULL when the event has none."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return min(1.0, max(0.0, float(value))) if value == value else None


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _without_nul(value: Any) -> Any:
    """``value`` with NUL replaced by U+FFFD in every string: PostgreSQL text cannot hold NUL,
    and both databases must store the same thing."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_without_nul(v) for v in value)
    return value


class Store:
    def __init__(self, url: str | SecretStr) -> None:
        self._url = url if isinstance(url, SecretStr) else SecretStr(url)
        self.dialect = "postgresql" if self._url.get_secret_value().startswith(
            ("postgresql://", "postgres://")) else "sqlite"
        self._lock = threading.Lock()
        self._conn: Any = None

    def __repr__(self) -> str:
        return f"Store(dialect={self.dialect!r})"

    # -- connection -------------------------------------------------------------------------
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

        return psycopg.connect(url, autocommit=True, connect_timeout=5)

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def _open_locked(self) -> None:
        """Connect and migrate. Any failure to connect (a malformed URL included) is an
        outage: retried, its message redacted."""
        try:
            self._conn = self._connect()
        except Exception as exc:
            raise StoreUnavailable(redact(f"cannot connect: {type(exc).__name__}: {exc}",
                                          self._url.get_secret_value())) from None
        try:
            self._migrate_locked()
        except BaseException:
            self._drop_connection()  # migrate again on the next connection
            raise

    @contextmanager
    def _cursor(self, transaction: bool = False) -> Iterator[Any]:
        """A cursor under the lock; driver outages become StoreUnavailable (and reconnect),
        other driver errors StoreRejected."""
        with self._lock:
            try:
                if self._conn is None:
                    self._open_locked()
                cur = self._conn.cursor()
                if transaction:
                    self._begin(cur, _WRITE_LOCK)
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
                if not self._is_driver_error(exc):
                    raise
                converted = convert(exc, self._url.get_secret_value())
                if isinstance(converted, StoreUnavailable):
                    self._drop_connection()
                raise converted from None

    def _is_driver_error(self, exc: Exception) -> bool:
        if self.dialect == "sqlite":
            return isinstance(exc, sqlite3.Error)
        import psycopg

        return isinstance(exc, psycopg.Error)

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

    def _begin(self, cur: Any, lock: int | None = None) -> None:
        """Start a write transaction. SQLite takes its write lock at once (no upgrade
        deadlocks between store processes); PostgreSQL takes the given advisory lock, so
        writers that read and then link across articles see each other's rows."""
        if self.dialect == "sqlite":
            cur.execute("BEGIN IMMEDIATE")
            return
        cur.execute("BEGIN")
        if lock is not None:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))

    def _migrate_locked(self) -> None:
        cur = self._conn.cursor()
        cur.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
        for version, name, statements in MIGRATIONS:
            self._begin(cur, _MIGRATION_LOCK)
            try:
                cur.execute(self._sql("SELECT 1 FROM schema_migrations WHERE version = ?"),
                            (version,))
                if cur.fetchone() is None:  # checked under the lock: one process applies it
                    for statement in statements:
                        if callable(statement):
                            statement(self, cur)
                            continue
                        sql = statement if isinstance(statement, str) \
                            else statement[self.dialect]
                        if sql:
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
        nothing. Returns True when something new was written (new article or new version).

        A new version also re-derives everything computed from the content, in the same
        transaction: the search index, the claims' speakers and fingerprints, the near-duplicate
        check, corroboration links and the article's story (see ``_derive``).

        A fetch older than the stored one (concurrent extract agents finish out of order)
        replaces nothing: the upsert's own WHERE keeps the newer content. A URL with a control
        character is an InvalidUrl; NUL elsewhere is stored as U+FFFD."""
        for url in (article.url, article.canonical_url):
            if control_character(url) is not None:
                raise InvalidUrl(f"URL contains a control character "
                                 f"({control_character(url)})")
        article = ArticleEnriched.model_validate(_without_nul(dict(article)))
        with self._cursor(transaction=True) as cur:
            cur.execute(self._sql("SELECT content_hash, version FROM articles WHERE id = ?"),
                        (article.article_id,))
            row = cur.fetchone()
            if row is not None and row[0] == article.content_hash:
                self._link_urls(cur, article)
                return False
            cur.execute(self._sql(
                "SELECT COUNT(*), COUNT(CASE WHEN content_hash = ? THEN 1 END) "
                "FROM article_versions WHERE article_id = ?"),
                (article.content_hash, article.article_id))
            known, seen = cur.fetchone()
            version = int(known) + (0 if seen else 1)
            values = (
                article.article_id, article.url, article.canonical_url, article.final_url,
                article.submitted_url, article.title, article.text, article.author,
                article.published, article.language, article.site,
                article.fetched_at.isoformat(), article.content_hash, version,
                orjson.dumps(article.metadata).decode(), int(article.claims_partial), _now(),
                domain_key(article.canonical_url), utc_timestamp(article.fetched_at))
            names = [*(c.strip() for c in _ARTICLE_COLUMNS.split(",")), "fetched_utc"]
            updates = ", ".join(f"{c} = excluded.{c}" for c in names[1:])
            cur.execute(self._sql(
                f"INSERT INTO articles ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
                f"ON CONFLICT (id) DO UPDATE SET {updates} WHERE articles.fetched_utc IS NULL "
                f"OR articles.fetched_utc <= excluded.fetched_utc"), values)
            if cur.rowcount == 0:  # an older fetch: the stored content stays
                self._link_urls(cur, article)
                return False
            cur.execute(self._sql(
                "INSERT INTO article_versions VALUES (?, ?, ?, ?) "
                "ON CONFLICT (article_id, content_hash) DO NOTHING"),
                (article.article_id, article.content_hash, (row[1] + 1) if row else 1,
                 article.fetched_at.isoformat()))
            self._write_claims(cur, article.article_id, article.claims,
                               utc_timestamp(article.fetched_at))
            self._derive(cur, article.article_id)
            self._link_urls(cur, article)
            return True

    def _write_claims(self, cur: Any, article_id: str, claims: list[dict[str, Any]],
                      seen_at: str) -> None:
        cur.execute(self._sql("DELETE FROM claims WHERE article_id = ?"), (article_id,))
        resolved = resolve_speakers(claims)
        rows = []
        for i, (c, speaker) in enumerate(zip(claims, resolved, strict=True)):
            text = str(c.get("text") or "")
            key = speaker_key(speaker)
            n_shingles = len(quote_shingles(text)) if key else 0
            n_words = len(content_words(text)) if key else 0
            n_quoted = len(quoted_shingles(text, bool(c.get("direct")))) if key else 0
            rows.append((
                article_id, i, c.get("kind", "statement"), text, c.get("start", 0),
                c.get("end", 0), int(bool(c.get("direct"))), c.get("speaker"),
                c.get("speaker_start"), c.get("speaker_end"), c.get("cue"),
                float(c.get("checkworthiness", 0.0)), c.get("type"),
                _confidence(c.get("confidence")), speaker,
                speaker_name(speaker), padded(tokens(speaker)) if speaker else None, key,
                padded(tokens(text, 2000)), n_shingles, n_words, n_quoted, seen_at))
        if rows:
            cur.executemany(self._sql(
                f"INSERT INTO claims (article_id, idx, {_CLAIM_COLUMNS}, {_CLAIM_EXTRA}) "
                f"VALUES ({', '.join('?' * 23)})"), rows)

    def _derive(self, cur: Any, article_id: str) -> None:
        """Everything computed from an article's stored content, recomputed from scratch.

        1. Search: PostgreSQL's generated ``tsv`` column updates itself; the SQLite FTS5 row
           (rowid = the article's rowid) is replaced.
        2. Near-duplicates (syndicated wire copy): the body's bottom-k sketch is compared with
           the articles that share sketch hashes; Jaccard >= DUPLICATE_JACCARD marks this
           article ``duplicate_of`` the earliest such article (its root). A duplicate takes no
           part in corroboration: copies of one text are not independent confirmation.
        3. Corroboration: each attributed quote's fingerprint is compared with the quotes of
           the same speaker key (surname) already stored; matches from articles on a
           different registrable domain (``newswire.urls.domain_key``) are linked in both
           directions in ``claim_links``.
        4. Stories: an article joins the story of every article it is linked to by
           corroboration, duplication or body similarity >= STORY_JACCARD; stories that it
           connects are merged (the smallest story id survives). Stories only grow online;
           a new version never splits one.
        """
        cur.execute(self._sql(
            "SELECT title, text, domain, story_id, rowid FROM articles WHERE id = ?"
            if self.dialect == "sqlite" else
            "SELECT title, text, domain, story_id, 0 FROM articles WHERE id = ?"), (article_id,))
        title, text, domain, story_id, rowid = cur.fetchone()
        for table, column in (("quote_shingles", "article_id"), ("claim_links", "article_id"),
                              ("claim_links", "other_article_id"),
                              ("article_sketch", "article_id")):
            cur.execute(self._sql(f"DELETE FROM {table} WHERE {column} = ?"), (article_id,))
        if self.dialect == "sqlite":
            cur.execute("DELETE FROM articles_fts WHERE rowid = ?", (rowid,))
            cur.execute("INSERT INTO articles_fts (rowid, article_id, title, body) "
                        "VALUES (?, ?, ?, ?)", (rowid, article_id, title or "", text))

        # 2. near-duplicates
        hashes = sketch(text)
        similar: dict[str, float] = {}
        duplicate_of, duplicate_sim = None, None
        if hashes:
            cur.execute(self._sql(
                f"SELECT article_id, COUNT(*) FROM article_sketch WHERE hash IN "
                f"({', '.join('?' * len(hashes))}) GROUP BY article_id "
                f"HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC LIMIT 50"), (*hashes, 4))
            candidates = [r[0] for r in cur.fetchall()]
            if candidates:
                marks = ", ".join("?" * len(candidates))
                cur.execute(self._sql(f"SELECT article_id, hash FROM article_sketch "
                                      f"WHERE article_id IN ({marks})"), candidates)
                their: dict[str, list[int]] = {}
                for other, h in cur.fetchall():
                    their.setdefault(other, []).append(h)
                cur.execute(self._sql(f"SELECT id, duplicate_of, stored_at FROM articles "
                                      f"WHERE id IN ({marks}) ORDER BY stored_at, id"),
                            candidates)
                for other, other_dup, _ in cur.fetchall():
                    sim = estimate_jaccard(hashes, sorted(their.get(other, [])))
                    if sim >= STORY_JACCARD:
                        similar[other] = sim
                    root = other_dup or other
                    if (duplicate_of is None and sim >= DUPLICATE_JACCARD
                            and len(hashes) >= MIN_DUPLICATE_SHINGLES and root != article_id
                            and other_dup != article_id):
                        duplicate_of, duplicate_sim = root, round(sim, 4)
            cur.executemany(self._sql("INSERT INTO article_sketch VALUES (?, ?)"),
                            [(h, article_id) for h in hashes])
        cur.execute(self._sql(
            "UPDATE articles SET duplicate_of = ?, duplicate_similarity = ? WHERE id = ?"),
            (duplicate_of, duplicate_sim, article_id))

        # 3. corroboration
        linked: set[str] = set()
        if duplicate_of is None:
            linked = self._corroborate(cur, article_id, domain)

        # 4. stories
        neighbours = linked | set(similar) | ({duplicate_of} if duplicate_of else set())
        self._join_story(cur, article_id, story_id, neighbours)

    def _corroborate(self, cur: Any, article_id: str, domain: str | None) -> set[str]:
        """Link this article's attributed claims to the same speaker's claims on other outlets:
        the same or a trimmed statement (word 3-grams: ``quotes_match``), the same quoted
        words, whole or a fragment of them (3-grams of the quoted words only), else the same
        statement in other words (content words: ``paraphrase_match``). The fingerprints live
        in ``quote_shingles`` under the speaker key, each kind in its own hash namespace, so
        each lookup is an indexed probe whose cost does not grow with the archive, only with
        the speaker's matching statements."""
        cur.execute(self._sql(
            "SELECT idx, text, direct, speaker_key FROM claims WHERE article_id = ? "
            "AND speaker_key IS NOT NULL AND n_shingles > 0"), (article_id,))
        quotes = [(idx, quote_shingles(text) | quoted_shingles(text, bool(direct))
                   | content_words(text), key, (
                       (quote_shingles(text), "n_shingles", quotes_match, "quote"),
                       (quoted_shingles(text, bool(direct)), "n_quoted", quotes_match, "quote"),
                       (content_words(text), "n_words", paraphrase_match, "paraphrase")))
                  for idx, text, direct, key in cur.fetchall()]
        links: list[tuple[Any, ...]] = []
        for idx, _, key, kinds in quotes:
            found: dict[tuple[str, int], tuple[float, str]] = {}
            for prints, size_column, match, kind in kinds:
                if not prints:
                    continue
                for other, other_idx, shared, other_size, other_domain in self._probe(
                        cur, key, prints, size_column, article_id):
                    if domain is not None and other_domain == domain:
                        continue  # one outlet repeating itself is not corroboration
                    sim = match(int(shared), len(prints), int(other_size))
                    if sim is not None and (other, other_idx) not in found:
                        found[(other, other_idx)] = (sim, kind)
            for (other, other_idx), (sim, kind) in found.items():
                links.append((article_id, idx, other, other_idx, sim, kind))
                links.append((other, other_idx, article_id, idx, sim, kind))
        if links:
            cur.executemany(self._sql(
                "INSERT INTO claim_links (article_id, idx, other_article_id, other_idx, "
                "similarity, match) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
                "(article_id, idx, other_article_id, other_idx) DO NOTHING"), links)
            self._share_speaker_names(cur, links[::2])
        rows = [(key, h, article_id, idx) for idx, every, key, _ in quotes for h in every]
        if rows:
            cur.executemany(self._sql(
                "INSERT INTO quote_shingles VALUES (?, ?, ?, ?) ON CONFLICT "
                "(speaker_key, shingle, article_id, idx) DO NOTHING"), rows)
        return {link[2] for link in links if link[0] == article_id}

    def _probe(self, cur: Any, key: str, prints: set[int], size_column: str,
               article_id: str) -> list[tuple[Any, ...]]:
        """Other articles' claims by this speaker key sharing fingerprint hashes: (article,
        claim index, hashes shared, that claim's fingerprint size, that article's domain)."""
        cur.execute(self._sql(
            f"SELECT q.article_id, q.idx, COUNT(*), c.{size_column}, a.domain "
            f"FROM quote_shingles q JOIN claims c ON c.article_id = q.article_id "
            f"AND c.idx = q.idx JOIN articles a ON a.id = q.article_id "
            f"WHERE q.speaker_key = ? AND q.shingle IN ({', '.join('?' * len(prints))}) "
            f"AND q.article_id <> ? GROUP BY q.article_id, q.idx, c.{size_column}, a.domain"),
            (key, *prints, article_id))
        return list(cur.fetchall())

    def _share_speaker_names(self, cur: Any, links: list[tuple[Any, ...]]) -> None:
        """Resolve a speaker across outlets: when one outlet only says "Holm" and the quote it
        carries is linked to "Mayor Ida Holm" elsewhere, both claims get the fuller name."""
        for article_id, idx, other, other_idx, *_ in links:
            pair = []
            for aid, i in ((article_id, idx), (other, other_idx)):
                cur.execute(self._sql("SELECT speaker_resolved FROM claims "
                                      "WHERE article_id = ? AND idx = ?"), (aid, i))
                row = cur.fetchone()
                pair.append((aid, i, row[0] if row else None))
            (a_id, a_idx, a_name), (b_id, b_idx, b_name) = pair
            if not a_name or not b_name:
                continue
            a_words, b_words = tokens(a_name), tokens(b_name)
            if len(a_words) > len(b_words):
                (a_id, a_idx, a_name, a_words), (b_id, b_idx, b_name, b_words) = \
                    (b_id, b_idx, b_name, b_words), (a_id, a_idx, a_name, a_words)
            if len(a_words) < len(b_words) and b_words[-len(a_words):] == a_words:
                cur.execute(self._sql(  # every claim of that article with the short name
                    "UPDATE claims SET speaker_resolved = ?, speaker_name = ?, "
                    "speaker_norm = ? WHERE article_id = ? AND speaker_resolved = ?"),
                    (b_name, speaker_name(b_name), padded(b_words), a_id, a_name))

    def _join_story(self, cur: Any, article_id: str, current: str | None,
                    neighbours: set[str]) -> None:
        ids = {current} if current else set()
        if neighbours:
            cur.execute(self._sql(
                f"SELECT DISTINCT story_id FROM articles WHERE id IN "
                f"({', '.join('?' * len(neighbours))}) AND story_id IS NOT NULL"),
                sorted(neighbours))
            ids |= {r[0] for r in cur.fetchall()}
        target = min(ids) if ids else article_id
        merged = sorted(ids - {target})
        cur.execute(self._sql("UPDATE articles SET story_id = ? WHERE id = ?"),
                    (target, article_id))
        if merged:
            marks = ", ".join("?" * len(merged))
            cur.execute(self._sql(f"UPDATE articles SET story_id = ? WHERE story_id IN ({marks})"),
                        (target, *merged))
            cur.execute(self._sql(f"DELETE FROM stories WHERE id IN ({marks})"), merged)
        cur.execute(self._sql(
            "SELECT COUNT(*), COUNT(DISTINCT domain) FROM articles WHERE story_id = ?"),
            (target,))
        count, sites = cur.fetchone()
        cur.execute(self._sql(
            "SELECT title FROM articles WHERE story_id = ? ORDER BY stored_at, id LIMIT 1"),
            (target,))
        title = cur.fetchone()[0]
        cur.execute(self._sql(
            "INSERT INTO stories VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
            "title = excluded.title, article_count = excluded.article_count, "
            "site_count = excluded.site_count, updated_at = excluded.updated_at"),
            (target, title, int(count), int(sites), _now()))

    def reindex_all(self, cur: Any) -> None:
        """Re-derive claims' columns and every derived table for all stored articles, oldest
        first (migration 2's backfill; also safe to run again)."""
        cur.execute("SELECT id, canonical_url, fetched_at FROM articles ORDER BY stored_at, id")
        for article_id, canonical_url, fetched_at in cur.fetchall():
            cur.execute(self._sql("UPDATE articles SET domain = ? WHERE id = ?"),
                        (domain_key(canonical_url), article_id))
            cur.execute(self._sql(
                "SELECT kind, text, start_offset, end_offset, direct, speaker, speaker_start, "
                "speaker_end, cue, checkworthiness, type, confidence FROM claims "
                "WHERE article_id = ? "
                "ORDER BY idx"), (article_id,))
            claims = [dict(zip(("kind", "text", "start", "end", "direct", "speaker",
                                "speaker_start", "speaker_end", "cue", "checkworthiness",
                                "type", "confidence"), r, strict=True))
                      for r in cur.fetchall()]
            self._write_claims(cur, article_id, claims,
                               utc_timestamp(datetime.fromisoformat(fetched_at)))
            self._derive(cur, article_id)

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
                _without_nul((key, failure.url, failure.submitted_url, failure.stage,
                              failure.reason, failure.detail, failure.topic, failure.partition,
                              failure.offset, failure.occurred_at.isoformat())))

    # -- reads ------------------------------------------------------------------------------
    def article(self, article_id: str) -> dict[str, Any] | None:
        with self._cursor() as cur:
            cur.execute(self._sql(
                f"SELECT {_ARTICLE_COLUMNS}, duplicate_of, duplicate_similarity, story_id "
                f"FROM articles WHERE id = ?"), (article_id,))
            row = cur.fetchone()
            if row is None:
                return None
            names = [c.strip() for c in _ARTICLE_COLUMNS.split(",")]
            art = dict(zip([*names, "duplicate_of", "duplicate_similarity", "story_id"], row,
                           strict=True))
            art["metadata"] = orjson.loads(art["metadata"])
            art["claims_partial"] = bool(art["claims_partial"])
            art["claims"] = self._claims(cur, "c.article_id = ?", [article_id], "c.idx", None)
            cur.execute(self._sql("SELECT id, url FROM articles WHERE duplicate_of = ? "
                                  "ORDER BY stored_at, id LIMIT 100"), (article_id,))
            art["duplicates"] = [{"id": r[0], "url": r[1]} for r in cur.fetchall()]
            return art

    def article_exists(self, article_id: str) -> bool:
        with self._cursor() as cur:
            cur.execute(self._sql("SELECT 1 FROM articles WHERE id = ?"), (article_id,))
            return cur.fetchone() is not None

    def _claims(self, cur: Any, where: str, params: list[Any], order: str,
                limit: int | None) -> list[dict[str, Any]]:
        """Claims (with their article and corroborating articles) matching a WHERE clause."""
        cur.execute(self._sql(
            f"SELECT c.article_id, c.idx, {_CLAIM_COLUMNS_C}, c.speaker_resolved, "
            f"c.speaker_name, c.seen_at, a.url, a.title, a.domain FROM claims c "
            f"JOIN articles a ON a.id = c.article_id WHERE {where} ORDER BY {order}"
            + (" LIMIT ?" if limit is not None else "")),
            [*params, limit] if limit is not None else params)
        out = []
        for (aid, idx, kind, text, start, end, direct, mention, s_start, s_end, cue, score,
             ctype, confidence, resolved, name, seen_at, url, title, domain) in cur.fetchall():
            out.append({
                "article_id": aid, "index": idx, "kind": kind, "text": text, "start": start,
                "end": end, "direct": bool(direct), "speaker": resolved or mention,
                "speaker_name": name, "speaker_mention": mention, "speaker_start": s_start,
                "speaker_end": s_end, "cue": cue, "checkworthiness": score, "type": ctype,
                "confidence": confidence, "seen_at": seen_at, "article_url": url, "article_title": title, "site": domain,
                "corroborated_by": []})
        if out:
            by_key = {(c["article_id"], c["index"]): c for c in out}
            ids = sorted({c["article_id"] for c in out})
            cur.execute(self._sql(
                f"SELECT l.article_id, l.idx, l.other_article_id, l.other_idx, l.similarity, "
                f"l.match, a.url, a.domain FROM claim_links l JOIN articles a "
                f"ON a.id = l.other_article_id WHERE l.article_id IN "
                f"({', '.join('?' * len(ids))}) ORDER BY l.other_article_id, l.other_idx"), ids)
            for aid, idx, other, other_idx, sim, match, url, domain in cur.fetchall():
                claim = by_key.get((aid, idx))
                if claim is not None:
                    claim["corroborated_by"].append({
                        "article_id": other, "url": url, "claim_index": other_idx,
                        "site": domain, "similarity": sim, "match": match or "quote"})
        return out

    def article_claims(self, article_id: str, after: int | None, limit: int,
                       min_confidence: float | None = None) -> list[dict[str, Any]]:
        """One article's claims in text order, ``limit`` of them after claim index ``after``;
        with ``min_confidence``, only claims at least that confident."""
        where, params = "c.article_id = ? AND c.idx > ?", [article_id,
                                                          -1 if after is None else after]
        if min_confidence is not None:
            where += " AND c.confidence >= ?"
            params.append(min_confidence)
        with self._cursor() as cur:
            return self._claims(cur, where, params, "c.idx", limit)

    def find_claims(self, *, speaker: str | None = None, q: str | None = None,
                    since: str | None = None, kind: str | None = None,
                    min_confidence: float | None = None,
                    after: tuple[str, str, int] | None = None, limit: int = 50
                    ) -> list[dict[str, Any]]:
        """Claims, newest first (by when their article was fetched). ``speaker`` matches
        every word of it against the resolved speaker's words ("trump" finds "Donald J.
        Trump"); ``q`` matches every word against the claim's words; ``since`` is a
        ``seen_at`` timestamp; ``after`` is the (seen_at, article_id, index) keyset."""
        where, params = ["1 = 1"], []
        for word in tokens(speaker or "", 16):
            where.append("c.speaker_norm LIKE ?")
            params.append(f"% {word} %")
        for word in tokens(q or "", 16):
            where.append("c.text_norm LIKE ?")
            params.append(f"% {word} %")
        if since is not None:
            where.append("c.seen_at >= ?")
            params.append(since)
        if kind is not None:
            where.append("c.kind = ?")
            params.append(kind)
        if min_confidence is not None:
            where.append("c.confidence >= ?")
            params.append(min_confidence)
        if after is not None:
            where.append("(c.seen_at < ? OR (c.seen_at = ? AND (c.article_id > ? OR "
                         "(c.article_id = ? AND c.idx > ?))))")
            params += [after[0], after[0], after[1], after[1], after[2]]
        with self._cursor() as cur:
            return self._claims(cur, " AND ".join(where), params,
                                "c.seen_at DESC, c.article_id, c.idx", limit)

    def search(self, query_words: list[str], after: tuple[float, str] | None, limit: int
               ) -> list[dict[str, Any]]:
        """Ranked full-text search (every word must match, stemmed), one row per article:
        PostgreSQL ``ts_rank_cd`` over the weighted ``tsv`` (title A, body B); SQLite FTS5
        ``bm25`` with the title weighted 10:1. Keyset: (rank, id) after ``after``."""
        if not query_words:
            return []
        with self._cursor() as cur:
            if self.dialect == "postgresql":
                rank = "ts_rank_cd(a.tsv, query)::float8"  # exact round trip in cursors
                sql = (f"SELECT a.id, {rank} AS rank FROM articles a, "
                       f"plainto_tsquery('english', %s) query WHERE a.tsv @@ query")
                params: list[Any] = [" ".join(query_words)]
                if after is not None:
                    sql += f" AND ({rank} < %s OR ({rank} = %s AND a.id > %s))"
                    params += [after[0], after[0], after[1]]
                sql += " ORDER BY rank DESC, a.id LIMIT %s"
            else:
                sql = ("SELECT article_id, rank FROM (SELECT article_id, "
                       "-bm25(articles_fts, 0.0, 10.0, 1.0) AS rank FROM articles_fts "
                       "WHERE articles_fts MATCH ?)")
                params = [" ".join(f'"{w}"' for w in query_words)]
                if after is not None:
                    sql += " WHERE rank < ? OR (rank = ? AND article_id > ?)"
                    params += [after[0], after[0], after[1]]
                sql += " ORDER BY rank DESC, article_id LIMIT ?"
            cur.execute(sql, [*params, limit])
            hits = [(r[0], float(r[1])) for r in cur.fetchall()]
            if not hits:
                return []
            cur.execute(self._sql(
                f"SELECT id, url, title, author, published, domain, fetched_at, duplicate_of, "
                f"story_id, substr(text, 1, 300) FROM articles WHERE id IN "
                f"({', '.join('?' * len(hits))})"), [h[0] for h in hits])
            rows = {r[0]: r for r in cur.fetchall()}
        out = []
        for aid, score in hits:
            r = rows.get(aid)
            if r is None:
                continue
            out.append({"id": aid, "url": r[1], "title": r[2], "author": r[3],
                        "published": r[4], "site": r[5], "fetched_at": r[6],
                        "duplicate_of": r[7], "story_id": r[8], "excerpt": r[9],
                        "rank": score})
        return out

    def stories(self, min_sites: int, after: tuple[str, str] | None, limit: int
                ) -> list[dict[str, Any]]:
        """Stories with at least ``min_sites`` outlets, most recently updated first."""
        where, params = ["site_count >= ?"], [min_sites]
        if after is not None:
            where.append("(updated_at < ? OR (updated_at = ? AND id > ?))")
            params += [after[0], after[0], after[1]]
        with self._cursor() as cur:
            cur.execute(self._sql(
                f"SELECT id, title, article_count, site_count, updated_at FROM stories "
                f"WHERE {' AND '.join(where)} ORDER BY updated_at DESC, id LIMIT ?"),
                [*params, limit])
            return [dict(zip(("id", "title", "article_count", "site_count", "updated_at"), r,
                             strict=True)) for r in cur.fetchall()]

    def story(self, story_id: str) -> dict[str, Any] | None:
        """A story with its articles and the claims that are corroborated across them."""
        with self._cursor() as cur:
            cur.execute(self._sql("SELECT id, title, article_count, site_count, updated_at "
                                  "FROM stories WHERE id = ?"), (story_id,))
            row = cur.fetchone()
            if row is None:
                return None
            story = dict(zip(("id", "title", "article_count", "site_count", "updated_at"), row,
                             strict=True))
            cur.execute(self._sql(
                "SELECT id, url, title, domain, published, fetched_at, duplicate_of "
                "FROM articles WHERE story_id = ? ORDER BY stored_at, id LIMIT 500"),
                (story_id,))
            story["articles"] = [dict(zip(("id", "url", "title", "site", "published",
                                           "fetched_at", "duplicate_of"), r, strict=True))
                                 for r in cur.fetchall()]
            claims = self._claims(
                cur, "a.story_id = ? AND EXISTS (SELECT 1 FROM claim_links l WHERE "
                "l.article_id = c.article_id AND l.idx = c.idx)", [story_id],
                "c.article_id, c.idx", 500)
            story["corroborated_claims"] = claims
            return story

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

    def rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """Run one read (``?`` placeholders) and return its rows: for query modules such as
        listing.py that build their SQL beside the API they serve."""
        with self._cursor() as cur:
            cur.execute(self._sql(sql), params)
            return [tuple(r) for r in cur.fetchall()]

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


