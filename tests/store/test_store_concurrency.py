"""Store writers on PostgreSQL without a global lock: two writers (each its own connection,
as two store replicas) write related articles at the same time, and the derived links come
out as when one writer stores them all; a writer does not wait for another's unrelated batch;
batches and their fallbacks keep the one-by-one results."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from newswire.events import ArticleEnriched
from services.store.db import Store, open_store
from tests.store.fixtures import article, drop_pg_database, fresh_pg_database, quote, store

__all__ = ["store"]

_WORDS = [f"w{i:03d}x" for i in range(600)]


def _body(rng: random.Random, n: int = 120) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n)) + "."


def _related_articles(seed: int = 3) -> list[ArticleEnriched]:
    """Groups of related articles on different outlets: a wire story with two syndicated
    copies (near-duplicates, no claims), and four outlets quoting one statement by one
    speaker (corroboration) in their own words around it; each group is one story."""
    rng = random.Random(seed)
    out: list[ArticleEnriched] = []
    start = datetime(2026, 5, 1, tzinfo=UTC)
    for g in range(12):
        wire = _body(rng, 200)
        for copy in range(3):
            out.append(article(f"https://outlet{copy}.example/wire/{g}", wire,
                               fetched_at=start + timedelta(minutes=g)))
        said = " ".join(rng.choice(_WORDS) for _ in range(16))
        speaker = f"Minister Ana Name{g}"
        for o in range(4):
            out.append(article(f"https://paper{o}.example/story/{g}", _body(rng),
                               [quote(said, speaker if o % 2 else f"Name{g}"),
                                quote(_body(rng, 12), speaker)],
                               fetched_at=start + timedelta(minutes=g)))
    return out


def _links(s: Store) -> dict[str, Any]:
    """What linking derived, in a form that does not depend on the order of the writes:
    the duplicate groups, the stories as sets of articles, the corroborated claim pairs."""
    groups: dict[str, set[str]] = {}
    stories: dict[str, set[str]] = {}
    for aid, dup, story in s.rows("SELECT id, duplicate_of, story_id FROM articles", []):
        groups.setdefault(dup or aid, set()).add(aid)
        stories.setdefault(story, set()).add(aid)
    links = {tuple(r) for r in s.rows(
        "SELECT article_id, idx, other_article_id, other_idx FROM claim_links", [])}
    counts = {tuple(r) for r in s.rows(
        "SELECT article_count, site_count FROM stories ORDER BY id", [])}
    return {"duplicates": sorted(sorted(g) for g in groups.values()),
            "stories": sorted(sorted(g) for g in stories.values()),
            "claim_links": sorted(links), "story_sizes": sorted(counts)}


@pytest.fixture
def pg_url() -> Iterator[str]:
    name = fresh_pg_database()
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        drop_pg_database(name)


def test_two_writers_at_once_derive_what_one_writer_does(pg_url: str) -> None:
    articles = _related_articles()
    name = fresh_pg_database()
    sequential = open_store(f"postgresql://postgres@127.0.0.1:5432/{name}")
    try:
        for i in range(0, len(articles), 3):
            sequential.upsert_articles(articles[i:i + 3])
        expected = _links(sequential)
    finally:
        sequential.close()
        drop_pg_database(name)
    # related articles split between two writers, in small batches, started together
    writers = [open_store(pg_url), open_store(pg_url)]
    halves = [articles[0::2], articles[1::2]]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(s: Store, mine: list[ArticleEnriched]) -> None:
        try:
            start.wait()
            for i in range(0, len(mine), 2):
                s.upsert_articles(mine[i:i + 2])
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(s, h)) for s, h in zip(writers, halves,
                                                                         strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        assert errors == []
        got = _links(writers[0])
    finally:
        for s in writers:
            s.close()
    assert len(expected["stories"]) == 24 and len(expected["claim_links"]) == 12 * 4 * 3
    assert got == expected


def test_a_writer_does_not_wait_for_another_writers_open_batch(pg_url: str) -> None:
    """The old store serialised every write behind one advisory lock: a batch in progress
    on one replica held up all others. Now only rows both touch are waited for."""
    holder, other = open_store(pg_url), open_store(pg_url)
    rng = random.Random(5)
    done = threading.Event()
    try:
        with holder._cursor(transaction=True) as cur:  # noqa: SLF001 - an open batch
            cur.execute("INSERT INTO stories VALUES ('held', 't', 1, 1, 'now')")

            def write() -> None:
                other.upsert_articles([article("https://elsewhere.example/a", _body(rng))])
                done.set()

            thread = threading.Thread(target=write)
            thread.start()
            finished = done.wait(10)
        thread.join(30)
        assert finished, "the second writer waited for the first writer's transaction"
    finally:
        holder.close()
        other.close()


def test_a_batch_stores_what_one_by_one_stores(store: Store) -> None:
    articles = _related_articles(seed=9)[:14]
    assert store.upsert_articles(articles) == [True] * 14
    assert store.upsert_articles(articles) == [False] * 14  # a replay changes nothing
    assert len(_links(store)["stories"]) == 4
