"""The store fixture (both real databases: SQLite and PostgreSQL at 127.0.0.1:5432) and
article builders shared by the store tests. Import what you use: ``from tests.store.fixtures
import store``."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from newswire.events import ArticleEnriched
from newswire.urls import article_id
from services.store.db import Store, open_store

__all__ = ["PG_ADMIN", "article", "fresh_pg_database", "quote", "store"]

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def fresh_pg_database() -> str:
    name = f"newswire_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store on each backend in turn."""
    if request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path / 'store.db'}")
        yield s
        s.close()
        return
    name = fresh_pg_database()
    s = open_store(f"postgresql://postgres@127.0.0.1:5432/{name}")
    try:
        yield s
    finally:
        s.close()
        drop_pg_database(name)


def quote(text: str, speaker: str | None, **kw: Any) -> dict[str, Any]:
    claim = {"kind": "quote", "text": text, "start": 0, "end": len(text), "direct": True,
             "speaker": speaker, "speaker_start": None, "speaker_end": None, "cue": "said",
             "checkworthiness": 0.5, "type": None}
    claim.update(kw)
    return claim


def article(url: str, text: str, claims: list[dict[str, Any]] | None = None,
            title: str = "A story", fetched_at: datetime | None = None) -> ArticleEnriched:
    """An enriched article at ``url`` (its id derives from the URL, as in the pipeline)."""
    return ArticleEnriched(
        submitted_url=url, article_id=article_id(url), url=url, canonical_url=url,
        final_url=url, title=title, text=text, author=None,
        fetched_at=fetched_at or datetime(2026, 5, 1, 12, 0, tzinfo=UTC),
        content_hash=hashlib.sha256(text.encode()).hexdigest(), claims=claims or [])
