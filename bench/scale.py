"""Store at scale on PostgreSQL: write throughput with store replicas, and API latency as the
archive grows.

Synthetic news (``Corpus``): stories of seven articles on seven outlets. Each story has a wire
text and two syndicated copies of it (near-duplicates: a word or two changed), and four
articles in the outlets' own words that quote one statement of one speaker (corroboration,
in two spellings of the name: "Minister Ana Kovac" and "Kovac"); every article also carries
three quotes of its own and two statements. 20,000 made-up words (Zipf-like), 5,000
speakers. Article ``i`` is a pure function of ``i``, so writer processes build their own.

Every article goes through the real write path: ``Store.upsert_articles`` in batches of 100
(one transaction each: article, claims, search, sketch, fingerprints, links, story), by
``writers`` OS processes at once, each on its own connection, as store replicas would;
consecutive batches alternate between the writers, so related articles are written by
different replicas at the same time.

``replicas``: articles/s of one writer and of two writers on fresh databases, same run.
``scale``: the archive is loaded by two writers up to each size in ``sizes``; at each size,
the write throughput of the next fixed window of articles, then the p50/p95 of GET /search,
/claims?speaker= and /stories through the real aiohttp API.

``python -m bench --data ../shared/data --only replicas,scale`` (PostgreSQL at
``NEWSWIRE_BENCH_PG``; ``NEWSWIRE_BENCH_SCALE_SIZES=10000,100000,1000000`` sets the sizes).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
from aiohttp import web

from newswire.demo import SiteServer
from newswire.events import ArticleEnriched
from newswire.urls import article_id
from services.store.api import api_routes, errors_middleware
from services.store.db import Store, open_store

__all__ = ["Corpus", "replicas", "scale"]

STORY = 7  # articles per story
BATCH = 100
_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "de", "pa", "zu", "fe", "go",
              "hi", "ba", "te", "mo", "ri")


class Corpus:
    """Deterministic synthetic articles: ``article(i)`` depends on ``i`` and the seed only."""

    def __init__(self, seed: int = 11) -> None:
        rng = random.Random(seed)
        words: set[str] = set()
        while len(words) < 20_000:
            words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 5))))
        self.words = sorted(words)
        rng.shuffle(self.words)
        self.cum = list(_cumulative([1 / (i + 1) ** 0.9 for i in range(len(self.words))]))
        first = sorted({w.title() for w in self.words[5000:5300]})
        last = sorted({w.title() for w in self.words[6000:11000]})
        self.speakers = [(f"Minister {first[i % len(first)]} {s}", s) for i, s in
                         enumerate(last)]
        self.seed = seed
        self.start = datetime(2026, 1, 1, tzinfo=UTC)

    def _sentence(self, rng: random.Random, n: int) -> str:
        return " ".join(rng.choices(self.words, cum_weights=self.cum, k=n))

    def _quote(self, text: str, speaker: str) -> dict[str, Any]:
        return {"kind": "quote", "text": text, "start": 0, "end": len(text), "direct": True,
                "speaker": speaker, "speaker_start": None, "speaker_end": None, "cue": "said",
                "checkworthiness": 0.5, "type": None}

    def article(self, i: int) -> ArticleEnriched:
        story, role = divmod(i, STORY)
        shared = random.Random(f"{self.seed}/{story}")
        wire = [self._sentence(shared, 25) for _ in range(10)]
        statement = self._sentence(shared, 16)
        full, short = shared.choice(self.speakers)
        own = random.Random(f"{self.seed}/{story}/{role}")
        claims: list[dict[str, Any]] = []
        if role < 3:  # the wire text and two syndicated copies, a word changed here and there
            body = list(wire)
            if role:
                k = own.randrange(len(body))
                body[k] = body[k].replace(" ", f" {own.choice(self.words)} ", 1)
        else:  # the outlets' own reports of the same statement
            body = [self._sentence(own, 25) for _ in range(10)]
            claims.append(self._quote(statement, full if role % 2 else short))
        for _ in range(3):
            claims.append(self._quote(self._sentence(own, 14), own.choice(self.speakers)[0]))
        for _ in range(2):
            text = self._sentence(own, 18)
            claims.append({"kind": "statement", "text": text, "start": 0, "end": len(text),
                           "direct": False, "speaker": None, "checkworthiness": 0.7,
                           "type": "other"})
        text = ". ".join(body) + "."
        url = f"https://outlet{role}-{story % 97}.example/news/{story}/{role}"
        return ArticleEnriched(
            submitted_url=url, article_id=article_id(url), url=url, canonical_url=url,
            final_url=url, title=" ".join(wire[0].split()[:8]).capitalize(), text=text,
            fetched_at=self.start + timedelta(seconds=i),
            content_hash=hashlib.sha256(text.encode()).hexdigest(), claims=claims)

    def search_query(self, rng: random.Random) -> str:
        return " ".join(rng.sample(self.words[200:3000], 2))

    def speaker_query(self, rng: random.Random) -> str:
        return rng.choice(self.speakers)[1]


def _cumulative(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def _writer(url: str, batches: list[tuple[int, int]], ready: Any, go: Any, done: Any) -> None:
    corpus = Corpus()
    store = Store(url)
    store.migrate()
    work = [[corpus.article(i) for i in range(a, b)] for a, b in batches]
    ready.put(os.getpid())
    go.wait()
    began = time.process_time()
    for batch in work:
        store.upsert_articles(batch)
    done.put(time.process_time() - began)
    store.close()


def write(url: str, start: int, count: int, writers: int) -> dict[str, float]:
    """Write articles [start, start + count) with ``writers`` processes (batches of 100
    dealt round-robin); articles/s from the moment all writers are ready until the last one
    is done, and the writers' CPU seconds per article."""
    ctx = multiprocessing.get_context("fork")
    batches = [(a, min(a + BATCH, start + count)) for a in range(start, start + count, BATCH)]
    ready, done, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=_writer, args=(url, batches[w::writers], ready, go, done))
             for w in range(writers)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=600)
    began = time.perf_counter()
    go.set()
    cpu = sum(done.get(timeout=3600) for _ in procs)
    elapsed = time.perf_counter() - began
    for p in procs:
        p.join(60)
        if p.exitcode != 0:
            raise RuntimeError(f"writer exited with {p.exitcode}")
    return {"articles": count, "writers": writers, "seconds": round(elapsed, 2),
            "articles_per_s": round(count / elapsed, 1),
            "writer_cpu_ms_per_article": round(cpu / count * 1000, 2)}


@contextmanager
def scratch_database() -> Iterator[str]:
    admin = os.environ.get("NEWSWIRE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"newswire_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def replicas(articles: int = 4000) -> dict[str, Any]:
    """Articles/s of one writer and of two writers (two processes), each on a fresh
    database, same synthetic articles; and the ratio."""
    out: dict[str, Any] = {"articles": articles, "batch": BATCH, "synthetic": True,
                           "load_before": _loadavg()}
    for writers in (1, 2):
        with scratch_database() as url:
            open_store(url).close()
            out[f"writers_{writers}"] = write(url, 0, articles, writers)
    out["two_vs_one"] = round(out["writers_2"]["articles_per_s"]
                              / out["writers_1"]["articles_per_s"], 2)
    out["load_after"] = _loadavg()
    return out


def _latency(client: httpx.Client, path: str, params: Callable[[], dict[str, str]],
             queries: int) -> dict[str, float]:
    for _ in range(5):
        client.get(path, params=params())
    took, hits = [], []
    for _ in range(queries):
        began = time.perf_counter()
        resp = client.get(path, params=params())
        took.append(time.perf_counter() - began)
        resp.raise_for_status()
        body = resp.json()
        hits.append(len(next(v for v in body.values() if isinstance(v, list))))
    took.sort()
    return {"p50_ms": round(statistics.median(took) * 1000, 2),
            "p95_ms": round(took[max(0, int(len(took) * 0.95) - 1)] * 1000, 2),
            "mean_hits": round(statistics.mean(hits), 1)}


def _queries(store: Store, corpus: Corpus, queries: int) -> dict[str, Any]:
    app = web.Application(middlewares=[errors_middleware])
    app.add_routes(api_routes(store))
    server = SiteServer(app)
    base = server.start()
    rng = random.Random(5)
    try:
        with httpx.Client(base_url=base, timeout=60, trust_env=False) as client:
            return {
                "search": _latency(client, "/search", lambda: {
                    "q": corpus.search_query(rng), "limit": "20"}, queries),
                "claims_by_speaker": _latency(client, "/claims", lambda: {
                    "speaker": corpus.speaker_query(rng), "limit": "20"}, queries),
                "stories": _latency(client, "/stories", lambda: {"limit": "20"}, queries)}
    finally:
        server.stop()


def scale(sizes: tuple[int, ...] = (10_000, 100_000), window: int = 2000,
          queries: int = 200) -> dict[str, Any]:
    """Load up to each size with two writers, then measure the next ``window`` articles'
    write throughput (two writers) and the API's latency."""
    env = os.environ.get("NEWSWIRE_BENCH_SCALE_SIZES")
    if env:
        sizes = tuple(int(s) for s in env.split(","))
    corpus = Corpus()
    out: dict[str, Any] = {"synthetic": True, "articles_per_story": STORY, "window": window,
                           "batch": BATCH, "writers": 2, "sizes": {}}
    with scratch_database() as url:
        open_store(url).close()
        stored = 0
        for size in sizes:
            began = time.perf_counter()
            if size > stored:
                write(url, stored, size - stored, 2)
            load_s = time.perf_counter() - began
            measured = write(url, size, window, 2)
            stored = size + window
            store = open_store(url)
            try:
                with store._cursor() as cur:  # noqa: SLF001 - figures for the report
                    cur.execute("ANALYZE")
                    cur.execute("SELECT (SELECT COUNT(*) FROM articles), "
                                "(SELECT COUNT(*) FROM claims), (SELECT COUNT(*) FROM "
                                "claim_links), (SELECT COUNT(*) FROM stories WHERE "
                                "site_count >= 2), (SELECT COUNT(*) FROM articles "
                                "WHERE duplicate_of IS NOT NULL)")
                    counts = dict(zip(("articles", "claims", "claim_links",
                                       "multi_site_stories", "duplicates"),
                                      cur.fetchone(), strict=True))
                out["sizes"][str(size)] = {
                    "load_seconds": round(load_s, 1), "write": measured, "stored": counts,
                    "api": _queries(store, corpus, queries), "loadavg": _loadavg()}
            finally:
                store.close()
            print(f"scale {size}: {out['sizes'][str(size)]}", flush=True)
    first, last = str(sizes[0]), str(sizes[-1])
    if first != last:
        a, b = out["sizes"][first], out["sizes"][last]
        out[f"ratio_{last}_vs_{first}"] = {
            "write_throughput": round(b["write"]["articles_per_s"]
                                      / a["write"]["articles_per_s"], 2),
            **{f"{k}_p95": round(b["api"][k]["p95_ms"] / a["api"][k]["p95_ms"], 2)
               for k in a["api"]}}
    return out


def _loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])
