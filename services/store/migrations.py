"""One schema and one migration history for SQLite and PostgreSQL.

Each migration is a list of statements; a statement is either portable SQL or a
``{"sqlite": ..., "postgresql": ...}`` pair where the dialects differ. Applied versions are
recorded in ``schema_migrations``; migrations only ever get appended.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS"]

Statement = str | dict[str, str]

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
]
