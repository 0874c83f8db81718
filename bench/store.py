"""Store benchmark: write throughput (articles with claims per second) into SQLite and
PostgreSQL, and ``GET /search`` p95 latency over HTTP on >= 10,000 stored articles.

The articles are synthetic: bodies of ~250 words drawn (Zipf-like) from a vocabulary of 3,000
made-up words, 6 claims each (4 attributed quotes by speakers from a pool of 200, 2
statements), on 40 sites; 1 quote in 4 repeats a statement from a shared pool so corroboration
has work to do. Every write is a full ``Store.upsert_article`` (its own transaction: article,
version, search index, claims, fingerprints, duplicate sketch, links, story). Search queries
are two words of middling frequency, sent one at a time to the real aiohttp API.

``python -c "from bench.store import run; print(run())"`` (PostgreSQL at
``NEWSWIRE_BENCH_PG``, default postgresql://postgres@127.0.0.1:5432/test, where a scratch
database is created and dropped).
"""

from __future__ import annotations

import hashlib
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from newswire.demo import SiteServer
from newswire.events import ArticleEnriched
from newswire.urls import article_id
from services.store.api import api_routes, errors_middleware
from services.store.db import Store, open_store

__all__ = ["run"]

_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "de", "pa", "zu", "fe", "go",
              "hi", "ba", "te")


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


class _Corpus:
    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.words = _vocabulary(self.rng, 3000)
        self.weights = [1 / (i + 1) ** 0.9 for i in range(len(self.words))]
        first = _vocabulary(self.rng, 120)
        self.speakers = [f"{f.title()} {s.title()}" for f, s in
                         zip(self.rng.sample(first, 100) * 2, _vocabulary(self.rng, 200),
                             strict=False)]
        self.shared = [(self._sentence(14), self.rng.choice(self.speakers))
                       for _ in range(400)]
        self.start = datetime(2026, 1, 1, tzinfo=UTC)

    def _sentence(self, n: int) -> str:
        return " ".join(self.rng.choices(self.words, self.weights, k=n))

    def article(self, i: int) -> ArticleEnriched:
        url = f"https://outlet{i % 40}.com/news/{i}"
        body = ". ".join(self._sentence(25) for _ in range(10)) + "."
        claims: list[dict[str, Any]] = []
        for q in range(4):
            text, speaker = self.rng.choice(self.shared) if q == 0 and i % 4 == 0 \
                else (self._sentence(14), self.rng.choice(self.speakers))
            claims.append({"kind": "quote", "text": text, "start": 0, "end": len(text),
                           "direct": True, "speaker": speaker,
                           "speaker_start": None, "speaker_end": None, "cue": "said",
                           "checkworthiness": 0.5, "type": None})
        for _ in range(2):
            text = self._sentence(18)
            claims.append({"kind": "statement", "text": text, "start": 0, "end": len(text),
                           "direct": False, "speaker": None, "checkworthiness": 0.7,
                           "type": "other"})
        return ArticleEnriched(
            submitted_url=url, article_id=article_id(url), url=url, canonical_url=url,
            final_url=url, title=self._sentence(8).capitalize(), text=body,
            fetched_at=self.start + timedelta(seconds=i),
            content_hash=hashlib.sha256(body.encode()).hexdigest(), claims=claims)

    def query(self) -> str:
        return " ".join(self.rng.sample(self.words[50:600], 2))


def _fill(store: Store, corpus: _Corpus, start: int, count: int) -> float:
    """Upsert ``count`` articles; returns articles per second."""
    articles = [corpus.article(i) for i in range(start, start + count)]
    began = time.perf_counter()
    for art in articles:
        store.upsert_article(art)
    return count / (time.perf_counter() - began)


def _search_latency(store: Store, corpus: _Corpus, queries: int) -> dict[str, float]:
    app = web.Application(middlewares=[errors_middleware])
    app.add_routes(api_routes(store))
    server = SiteServer(app)
    base = server.start()
    latencies, hits = [], []
    try:
        with httpx.Client(base_url=base, timeout=30, trust_env=False) as client:
            for _ in range(5):
                client.get("/search", params={"q": corpus.query()})
            for _ in range(queries):
                began = time.perf_counter()
                resp = client.get("/search", params={"q": corpus.query(), "limit": "20"})
                latencies.append(time.perf_counter() - began)
                resp.raise_for_status()
                hits.append(len(resp.json()["results"]))
    finally:
        server.stop()
    latencies.sort()
    return {"queries": queries, "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 2),
            "max_ms": round(latencies[-1] * 1000, 2),
            "mean_hits_per_page": round(statistics.mean(hits), 1)}


def _backend(url: str, articles: int, write_sample: int, queries: int) -> dict[str, Any]:
    store = open_store(url)
    try:
        corpus = _Corpus()
        writes = _fill(store, corpus, 0, write_sample)
        rest = _fill(store, corpus, write_sample, articles - write_sample)
        stats = store.stats()
        with store._cursor() as cur:  # noqa: SLF001 - a figure for the report
            cur.execute("SELECT COUNT(*) FROM claim_links")
            links = int(cur.fetchone()[0])
        return {"write_articles_per_s": round(writes, 1),
                "write_articles_per_s_at_scale": round(rest, 1),
                "claims_per_article": 6, "stored": stats, "claim_links": links,
                "search": _search_latency(store, corpus, queries)}
    finally:
        store.close()


def run(articles: int = 10_000, write_sample: int = 1_000, queries: int = 300) -> dict[str, Any]:
    """Both backends: write throughput on the first ``write_sample`` articles and on the rest
    (up to ``articles``), then /search latency over HTTP on the full store."""
    import psycopg

    results: dict[str, Any] = {"articles": articles, "synthetic": True}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = _backend(f"sqlite:///{Path(tmp) / 'bench.db'}", articles,
                                     write_sample, queries)
    admin = os.environ.get("NEWSWIRE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"newswire_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        base = admin.rsplit("/", 1)[0]
        results["postgresql"] = _backend(f"{base}/{name}", articles, write_sample, queries)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results


if __name__ == "__main__":
    import orjson

    print(orjson.dumps(run(), option=orjson.OPT_INDENT_2).decode())
