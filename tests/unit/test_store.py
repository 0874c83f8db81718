"""The store core against both real databases: SQLite and PostgreSQL (127.0.0.1:5432)."""

from __future__ import annotations

from datetime import UTC, datetime

from newswire.dlq import failure_from_headers, failure_headers
from newswire.events import ArticleEnriched, Failure
from services.store.db import Store
from services.store.migrations import MIGRATIONS
from tests.store.fixtures import store  # noqa: F401 - the fixture, on both databases


def _article(text: str = "Body text.", **kw: object) -> ArticleEnriched:
    fields: dict[str, object] = {
        "submitted_url": "https://Example.com/a?utm_source=x", "article_id": "a1",
        "url": "https://example.com/a", "canonical_url": "https://example.com/a",
        "final_url": "https://www.example.com/a", "title": "T", "text": text, "author": "Ann Lee",
        "fetched_at": datetime(2026, 1, 1, tzinfo=UTC), "content_hash": str(hash(text)),
        "claims": [{"kind": "quote", "text": "We will", "start": 0, "end": 7, "direct": True,
                    "speaker": "Ann Lee", "speaker_start": 10, "speaker_end": 17,
                    "cue": "said", "checkworthiness": 0.3}]}
    fields.update(kw)
    return ArticleEnriched(**fields)  # type: ignore[arg-type]


def test_migrations_apply_once(store: Store) -> None:
    latest = MIGRATIONS[-1][0]
    assert latest >= 2
    assert store.schema_version() == latest
    assert store.migrate() == latest


def test_upsert_is_idempotent(store: Store) -> None:
    assert store.upsert_article(_article()) is True
    assert store.upsert_article(_article()) is False  # replay: nothing new
    assert store.stats() == {"articles": 1, "failures": 0, "claims": 1}
    art = store.article("a1")
    assert art is not None and art["version"] == 1
    assert art["claims"][0]["speaker"] == "Ann Lee"


def test_changed_content_becomes_a_new_version(store: Store) -> None:
    store.upsert_article(_article("First."))
    store.upsert_article(_article("Second.", claims=[]))
    art = store.article("a1")
    assert art is not None
    assert art["version"] == 2 and art["text"] == "Second." and art["claims"] == []
    store.upsert_article(_article("Second.", claims=[]))  # replay of v2
    assert store.article("a1")["version"] == 2  # type: ignore[index]


def test_every_url_spelling_is_linked(store: Store) -> None:
    store.upsert_article(_article())
    for url in ("https://example.com/a", "https://www.example.com/a"):
        assert store.article_id_for_url(url) == "a1"
    assert store.article_id_for_url("https://example.com/other") is None


def test_failures_are_recorded_once_per_url(store: Store) -> None:
    f = Failure(submitted_url="http://x.com/1", url="http://x.com/1", stage="ingest",
                reason="http_4xx", detail="HTTP 404", topic="t", partition=0, offset=5)
    store.record_failure(f)
    store.record_failure(f)
    assert store.stats()["failures"] == 1
    got = store.failure_for_url("http://x.com/1")
    assert got is not None and got["reason"] == "http_4xx" and got["stage"] == "ingest"


def test_failure_round_trips_through_dlq_headers(store: Store) -> None:
    original = Failure(submitted_url="http://x.com/2?utm_source=a", url="http://x.com/2",
                       stage="extract", reason="empty_extraction", detail="nothing",
                       topic="news.page.fetched", partition=3, offset=42)
    headers = failure_headers(original, RuntimeError("x"))
    rebuilt = failure_from_headers("news.page.fetched.dlq", 0, 9, headers)
    assert (rebuilt.url, rebuilt.stage, rebuilt.reason, rebuilt.partition, rebuilt.offset) == (
        "http://x.com/2", "extract", "empty_extraction", 3, 42)
    store.record_failure(rebuilt)
    assert store.failure_for_url("http://x.com/2")["reason"] == "empty_extraction"  # type: ignore[index]


def test_dlq_record_without_headers_is_still_accounted(store: Store) -> None:
    rebuilt = failure_from_headers("news.url.submitted.dlq", 0, 11, {})
    assert rebuilt.reason == "unknown" and rebuilt.url is None
    store.record_failure(rebuilt)
    assert store.stats()["failures"] == 1


def test_migration_5_indexes_the_speakers_of_claims_stored_before_it(store: Store) -> None:
    """A database at version 4 has claims but no speaker-word rows: migration 5 writes them,
    so /claims?speaker= (now an index lookup, no LIKE) still finds the old claims."""
    store.upsert_article(_article())
    with store._cursor() as cur:  # noqa: SLF001 - put the database back at version 4
        for sql in ("DROP TABLE claim_speaker_words", "DROP INDEX articles_story_order",
                    "DROP INDEX claims_seen_order", "DROP INDEX stories_updated_order",
                    "CREATE INDEX articles_story ON articles (story_id)",
                    "DELETE FROM schema_migrations WHERE version = 5"):
            cur.execute(sql)
        if store.dialect == "postgresql":
            cur.execute("DROP TABLE write_log")
    store.close()
    assert store.migrate() == 5
    assert [c["article_id"] for c in store.find_claims(speaker="lee")] == ["a1"]
    assert [c["article_id"] for c in store.find_claims(speaker="ann lee")] == ["a1"]
    assert store.find_claims(speaker="anna") == []
