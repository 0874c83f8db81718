"""One schema and one migration history for SQLite and PostgreSQL.

Each migration is a list of statements; a statement is either portable SQL, a
``{"sqlite": ..., "postgresql": ...}`` pair where the dialects differ (an empty string: nothing
to do on that dialect), or a callable ``(database, cursor) -> None`` for a backfill that needs
Python (it runs inside the migration's transaction). Applied versions are recorded in
``schema_migrations``; migrations only ever get appended. ``apply`` runs the missing ones.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.store.columns import now
from services.store.connection import MIGRATION_LOCK, Database
from services.store.speakers import write_speaker_words
from services.store.text import utc_timestamp
from services.store.writes import reindex_all

__all__ = ["MIGRATIONS", "apply"]

Statement = str | dict[str, str] | Callable[[Database, Any], None]


def _derived_by_a_later_migration(db: Database, cur: Any) -> None:
    """Migration 2's backfill used to re-derive everything here; migration 4 does it now (the
    re-derivation reads migration 4's columns), so a database that is older gets it there."""


def _reindex(db: Database, cur: Any) -> None:
    """Re-derive the claims' columns and the derived tables for articles stored before a
    migration that changed them (migrations 2 and 4)."""
    reindex_all(db, cur)


def _backfill_fetched_utc(db: Database, cur: Any) -> None:
    """Fill ``fetched_utc`` (the fetch time in a shape whose text order is time order)."""
    cur.execute("SELECT id, fetched_at FROM articles")
    for article_id, fetched_at in cur.fetchall():
        cur.execute(db.sql("UPDATE articles SET fetched_utc = ? WHERE id = ?"),
                    (utc_timestamp(datetime.fromisoformat(fetched_at)), article_id))


def _backfill_speaker_words(db: Database, cur: Any) -> None:
    """One row per word of every stored claim's speaker (``speakers``)."""
    cur.execute("SELECT article_id, idx, speaker_norm, seen_at FROM claims "
                "WHERE speaker_norm IS NOT NULL ORDER BY article_id, idx")
    claims: dict[str, list[tuple[int, str | None, str]]] = {}
    for article_id, idx, norm, seen_at in cur.fetchall():
        claims.setdefault(article_id, []).append((idx, norm, seen_at))
    for article_id, rows in claims.items():
        write_speaker_words(db, cur, article_id, rows)


MIGRATIONS: list[tuple[int, str, list[Statement]]] = [
    (1, "articles, urls, claims, failures", [
        """CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            canonical_url TEXT NOT NULL,
            final_url TEXT,
            submitted_url TEXT,
            title TEXT,
            text TEXT NOT NULL,
            author TEXT,
            published TEXT,
            language TEXT,
            site TEXT,
            fetched_at TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            metadata TEXT NOT NULL,
            claims_partial INTEGER NOT NULL DEFAULT 0,
            stored_at TEXT NOT NULL
        )""",
        """CREATE TABLE article_versions (
            article_id TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            version INTEGER NOT NULL,
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (article_id, content_hash)
        )""",
        """CREATE TABLE article_urls (
            url TEXT PRIMARY KEY,
            article_id TEXT NOT NULL
        )""",
        "CREATE INDEX article_urls_article ON article_urls (article_id)",
        """CREATE TABLE claims (
            article_id TEXT NOT NULL,
            idx INTEGER NOT NULL,
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            start_offset INTEGER NOT NULL,
            end_offset INTEGER NOT NULL,
            direct INTEGER NOT NULL,
            speaker TEXT,
            speaker_start INTEGER,
            speaker_end INTEGER,
            cue TEXT,
            checkworthiness REAL NOT NULL,
            type TEXT,
            PRIMARY KEY (article_id, idx)
        )""",
        "CREATE INDEX claims_speaker ON claims (speaker)",
        """CREATE TABLE failures (
            key TEXT PRIMARY KEY,
            url TEXT,
            submitted_url TEXT,
            stage TEXT NOT NULL,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL,
            topic TEXT,
            partition_no INTEGER,
            offset_no BIGINT,
            failed_at TEXT NOT NULL
        )""",
        "CREATE INDEX failures_url ON failures (url)",
    ]),
    (2, "search, speakers, corroboration, duplicates, stories", [
        "ALTER TABLE articles ADD COLUMN domain TEXT",
        "ALTER TABLE articles ADD COLUMN duplicate_of TEXT",
        "ALTER TABLE articles ADD COLUMN duplicate_similarity REAL",
        "ALTER TABLE articles ADD COLUMN story_id TEXT",
        "CREATE INDEX articles_story ON articles (story_id)",
        "CREATE INDEX articles_duplicate_of ON articles (duplicate_of)",
        # Full-text search: a generated tsvector with a GIN index on PostgreSQL; an FTS5 table
        # kept in step by the store (one row per article) on SQLite.
        {"postgresql": "ALTER TABLE articles ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
                       "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
                       "setweight(to_tsvector('english', left(text, 500000)), 'B')) STORED",
         "sqlite": "CREATE VIRTUAL TABLE articles_fts USING fts5(article_id UNINDEXED, title, "
                   "body, tokenize = 'porter unicode61 remove_diacritics 2')"},
        {"postgresql": "CREATE INDEX articles_tsv ON articles USING GIN (tsv)", "sqlite": ""},
        # Claims: the resolved speaker, a folded form for partial-name matching, the surname
        # key corroboration compares, folded text for q=, the fingerprint size, and when seen.
        "ALTER TABLE claims ADD COLUMN speaker_resolved TEXT",
        "ALTER TABLE claims ADD COLUMN speaker_name TEXT",
        "ALTER TABLE claims ADD COLUMN speaker_norm TEXT",
        "ALTER TABLE claims ADD COLUMN speaker_key TEXT",
        "ALTER TABLE claims ADD COLUMN text_norm TEXT",
        "ALTER TABLE claims ADD COLUMN n_shingles INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE claims ADD COLUMN seen_at TEXT",
        "CREATE INDEX claims_speaker_key ON claims (speaker_key)",
        "CREATE INDEX claims_seen ON claims (seen_at, article_id, idx)",
        """CREATE TABLE quote_shingles (
            speaker_key TEXT NOT NULL,
            shingle BIGINT NOT NULL,
            article_id TEXT NOT NULL,
            idx INTEGER NOT NULL,
            PRIMARY KEY (speaker_key, shingle, article_id, idx)
        )""",
        "CREATE INDEX quote_shingles_article ON quote_shingles (article_id)",
        """CREATE TABLE claim_links (
            article_id TEXT NOT NULL,
            idx INTEGER NOT NULL,
            other_article_id TEXT NOT NULL,
            other_idx INTEGER NOT NULL,
            similarity REAL NOT NULL,
            PRIMARY KEY (article_id, idx, other_article_id, other_idx)
        )""",
        "CREATE INDEX claim_links_other ON claim_links (other_article_id)",
        """CREATE TABLE article_sketch (
            hash BIGINT NOT NULL,
            article_id TEXT NOT NULL,
            PRIMARY KEY (hash, article_id)
        )""",
        "CREATE INDEX article_sketch_article ON article_sketch (article_id)",
        """CREATE TABLE stories (
            id TEXT PRIMARY KEY,
            title TEXT,
            article_count INTEGER NOT NULL,
            site_count INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX stories_updated ON stories (updated_at, id)",
        _derived_by_a_later_migration,
    ]),
    # Out-of-order fetches: an article is only replaced by a fetch that is not older.
    (3, "articles.fetched_utc", [
        "ALTER TABLE articles ADD COLUMN fetched_utc TEXT",
        _backfill_fetched_utc,
    ]),
    (4, "claim confidence, quoted-words and paraphrase fingerprints, how a link matched", [
        "ALTER TABLE claims ADD COLUMN confidence REAL",
        # content-word fingerprint size (its hashes share quote_shingles with the 3-grams)
        "ALTER TABLE claims ADD COLUMN n_words INTEGER NOT NULL DEFAULT 0",
        # size of the fingerprint of the claim's words in quotation marks
        "ALTER TABLE claims ADD COLUMN n_quoted INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE claim_links ADD COLUMN match TEXT",
        _reindex,
    ]),
    # Scale: writers without a global lock, lookups whose cost does not grow with the archive.
    (5, "speaker words, write log of link keys, story and list indexes", [
        # /claims?speaker= and /speakers?q= by word, in the claims list's order
        """CREATE TABLE claim_speaker_words (
            word TEXT NOT NULL,
            seen_at TEXT,
            article_id TEXT NOT NULL,
            idx INTEGER NOT NULL
        )""",
        "CREATE INDEX claim_speaker_words_order ON claim_speaker_words "
        "(word, seen_at DESC, article_id, idx)",
        "CREATE INDEX claim_speaker_words_claim ON claim_speaker_words (article_id, idx, word)",
        _backfill_speaker_words,
        # each batch's link keys, to find the batches that committed beside it (relink.py)
        {"postgresql": "CREATE TABLE write_log (xid xid8 NOT NULL, keys BIGINT[] NOT NULL, "
                       "written_at TIMESTAMPTZ NOT NULL)", "sqlite": ""},
        {"postgresql": "CREATE INDEX write_log_xid ON write_log (xid)", "sqlite": ""},
        {"postgresql": "CREATE INDEX write_log_written ON write_log (written_at)",
         "sqlite": ""},
        # a story's size, outlets and first title by index; the claims and stories lists in
        # their order (newest first, then id), so a page reads a page of the index
        "CREATE INDEX articles_story_order ON articles (story_id, stored_at, id, domain)",
        "DROP INDEX articles_story",
        "CREATE INDEX claims_seen_order ON claims (seen_at DESC, article_id, idx)",
        "CREATE INDEX stories_updated_order ON stories (updated_at DESC, id)",
    ]),
]


def apply(db: Database) -> None:
    """Apply every migration not yet recorded, each in its own transaction under the
    migration lock (so of several processes starting at once, one applies it)."""
    cur = db.conn.cursor()
    cur.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    for version, name, statements in MIGRATIONS:
        db.begin(cur, MIGRATION_LOCK)
        try:
            cur.execute(db.sql("SELECT 1 FROM schema_migrations WHERE version = ?"), (version,))
            if cur.fetchone() is None:  # checked under the lock: one process applies it
                db.applying = version
                for statement in statements:
                    if callable(statement):
                        statement(db, cur)
                        continue
                    sql = statement if isinstance(statement, str) else statement[db.dialect]
                    if sql:
                        cur.execute(sql)
                cur.execute(db.sql("INSERT INTO schema_migrations VALUES (?, ?, ?)"),
                            (version, name, now()))
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        finally:
            db.applying = None
    cur.close()
