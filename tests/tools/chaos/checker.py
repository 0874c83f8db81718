"""Counts what survived: for every submitted URL, stored or failed (via the API), and whether
anything was stored twice (via the database itself), plus DLQ records per URL.

    lost        submitted URLs neither stored nor failed after the deadline (must be 0)
    duplicated  stored twice in any form (must be 0): two article rows for one canonical URL
                or one submitted URL, a row with version > 1 or two versions of one article
                for content that never changed, or /stats disagreeing with the distinct rows
    dlq_extra   URLs with more than one DLQ record (allowed: duplicates on topics are fine)
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from newswire.settings import Settings
from newswire.topics import Topics
from newswire.urls import canonicalize

__all__ = ["Check", "StoreSnapshot", "check", "dlq_records", "poll_accounted",
           "store_snapshot"]


@dataclass
class Check:
    submitted: int
    stored: int
    failed: int
    lost: list[str]
    duplicated: list[str]
    failures_by_reason: dict[str, int]
    stats: dict[str, int]
    distinct_articles: int
    dlq_records: int = 0
    dlq_urls_with_repeats: int = 0
    results: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    def summary(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("results")
        out["lost"] = len(self.lost)
        out["duplicated"] = len(self.duplicated)
        out["lost_sample"] = self.lost[:5]
        out["duplicated_sample"] = self.duplicated[:5]
        return out


def poll_accounted(api: str, urls: list[str], deadline: float,
                   on_tick: Any = None) -> dict[str, dict[str, Any]]:
    """GET /articles?url=U for every URL until each is stored or failed, or until
    ``deadline`` (a time.monotonic() value). ``on_tick(done_count)`` runs between sweeps."""
    results: dict[str, dict[str, Any]] = {}
    with httpx.Client(timeout=10, trust_env=False) as client:
        while len(results) < len(urls) and time.monotonic() < deadline:
            for url in urls:
                if url in results:
                    continue
                try:
                    resp = client.get(f"{api}/articles", params={"url": url})
                except httpx.HTTPError:
                    break  # the store is down (being restarted): next sweep
                if resp.status_code == 200:
                    results[url] = resp.json()
                if time.monotonic() > deadline:
                    break
            if on_tick is not None:
                on_tick(len(results))
            if len(results) < len(urls):
                time.sleep(0.3)
    return results


@dataclass(frozen=True)
class StoreSnapshot:
    """What a replay must leave unchanged."""

    articles: tuple[tuple[str, str, int], ...]  # (id, content_hash, version)
    versions: int
    claims: int
    failures: int
    urls: int

    def diff(self, other: StoreSnapshot) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("versions", "claims", "failures", "urls"):
            if getattr(self, name) != getattr(other, name):
                out[name] = (getattr(self, name), getattr(other, name))
        if self.articles != other.articles:
            a, b = set(self.articles), set(other.articles)
            out["articles"] = {"only_before": sorted(a - b)[:5], "only_after": sorted(b - a)[:5],
                               "before": len(a), "after": len(b)}
        return out


def _db_path(settings: Settings) -> str:
    url = settings.store_url.get_secret_value()
    if not url.startswith("sqlite:"):
        raise ValueError("the checker reads the SQLite store directly")
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:///") \
        else url.removeprefix("sqlite://")


def _connect(settings: Settings) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{_db_path(settings)}?mode=ro", uri=True, timeout=30)
    return conn


def store_snapshot(settings: Settings) -> StoreSnapshot:
    with _connect(settings) as conn:
        rows = conn.execute("SELECT id, content_hash, version FROM articles ORDER BY id")
        articles = tuple((r[0], r[1], int(r[2])) for r in rows)
        count = {t: int(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])  # noqa: S608
                 for t in ("article_versions", "claims", "failures", "article_urls")}
    conn.close()
    return StoreSnapshot(articles, count["article_versions"], count["claims"],
                         count["failures"], count["article_urls"])


def store_duplicates(settings: Settings, submitted: list[str]) -> list[str]:
    """Every way one page could have been stored twice, as readable strings."""
    wanted = {canonicalize(u) for u in submitted}
    out: list[str] = []
    with _connect(settings) as conn:
        for url, n in conn.execute("SELECT canonical_url, COUNT(*) FROM articles "
                                   "GROUP BY canonical_url HAVING COUNT(*) > 1"):
            out.append(f"canonical_url {url} in {n} rows")
        by_submitted: Counter[str] = Counter()
        for (sub,) in conn.execute("SELECT submitted_url FROM articles"):
            try:
                key = canonicalize(sub)
            except Exception:  # noqa: BLE001 - not ours
                continue
            if key in wanted:
                by_submitted[key] += 1
        out += [f"submitted_url {u} in {n} rows" for u, n in by_submitted.items() if n > 1]
        for aid, version in conn.execute("SELECT id, version FROM articles WHERE version > 1"):
            out.append(f"article {aid} at version {version}")
        for aid, n in conn.execute("SELECT article_id, COUNT(*) FROM article_versions "
                                   "GROUP BY article_id HAVING COUNT(*) > 1"):
            out.append(f"article {aid} has {n} versions")
        for aid, idx, n in conn.execute("SELECT article_id, idx, COUNT(*) FROM claims "
                                        "GROUP BY article_id, idx HAVING COUNT(*) > 1"):
            out.append(f"claim {aid}/{idx} in {n} rows")
        rows = int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
        distinct = int(conn.execute("SELECT COUNT(DISTINCT id) FROM articles").fetchone()[0])
        if rows != distinct:
            out.append(f"{rows} article rows but {distinct} distinct ids")
    conn.close()
    return out


async def dlq_records(settings: Settings) -> list[tuple[str, dict[str, bytes]]]:
    """(dlq topic, headers) of every record on every DLQ topic of the namespace."""
    from tests.tools.chaos.replay import read_topic

    out: list[tuple[str, dict[str, bytes]]] = []
    for topic in (t for t in Topics(settings.kafka.namespace).all() if t.endswith(".dlq")):
        def each(record: Any, t: str = topic) -> None:
            out.append((t, dict(record.headers)))

        await read_topic(settings, topic, each)
    return out


def check(settings: Settings, urls: list[str], results: dict[str, dict[str, Any]],
          *, read_dlq: bool = True) -> Check:
    stored = [u for u, r in results.items() if r.get("status") == "ok"]
    failed = [u for u, r in results.items() if r.get("status") == "failed"]
    lost = [u for u in urls if u not in results]
    reasons = Counter(f"{results[u]['stage']}:{results[u]['reason']}" for u in failed)
    stats = httpx.get(f"http://{settings.api.host}:{settings.api.port}/stats", timeout=10,
                      trust_env=False).json()
    duplicated = store_duplicates(settings, urls)
    distinct_ids = {results[u]["id"] for u in stored}
    with _connect(settings) as conn:
        rows = int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    conn.close()
    if stats["articles"] != rows:
        duplicated.append(f"/stats says {stats['articles']} articles, the table has {rows}")
    if len(distinct_ids) != len(stored):
        duplicated.append(f"{len(stored)} stored URLs share {len(distinct_ids)} article ids")
    out = Check(submitted=len(urls), stored=len(stored), failed=len(failed), lost=lost,
                duplicated=duplicated, failures_by_reason=dict(reasons), stats=stats,
                distinct_articles=len(distinct_ids), results=results)
    if read_dlq:
        records = asyncio.run(dlq_records(settings))
        per_url = Counter(h.get("newswire.url", b"").decode("utf-8", "replace")
                          for _, h in records)
        out.dlq_records = len(records)
        out.dlq_urls_with_repeats = sum(1 for u, n in per_url.items() if u and n > 1)
    return out
