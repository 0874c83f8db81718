"""The CPU budget per page: what each stage's core costs without the stream framework around it.

The pipeline section measures the running services. This one measures, on the same 60 aeb-dev
pages and in one process, the work no pipeline can skip, each done in bulk with the project's
own code and libraries:

- fetch: httpx GET over loopback from the bench's aiohttp site (client and server CPU), the
  gzip body read as sent (ingest passes it through);
- pack: the news.page.fetched record around it (``page_record``: the event as a header);
- extract: ``extract_record`` (decode the event, inflate, extract, encode the next event);
- enrich: ``enrich_record`` with claims off (a pass-through);
- kafka: every page's four events produced (acks=all) and consumed once with plain aiokafka,
  client CPU plus the embedded broker's CPU;
- store: ``Store.upsert_article`` into a fresh SQLite (search index, near-duplicate sketch).

Reference: ``trafilatura.extract`` on the same pages, interleaved with the extraction. The sum
over trafilatura's per-page time says how far 2 cores could take a pipeline with no overhead
beyond these cores: ``2 / sum`` times trafilatura's pages per second, at full use of both.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.pipeline import load_pages, page_site, proc_table
from newswire.broker import start_embedded_broker
from newswire.demo import SiteServer
from newswire.errors import NewswireError
from newswire.events import ArticleEnriched, PageFetched, UrlSubmitted, decode, encode, page_record
from newswire.settings import KafkaSettings
from tests.tools.pipeline import free_port

__all__ = ["run"]


def _cpu_of(pid: int) -> float:
    return proc_table()[pid][1]


def _timed(fn: Any, *args: Any) -> tuple[float, Any]:
    started = time.process_time()
    out = fn(*args)
    return time.process_time() - started, out


async def _fetch_all(base: str, pids: list[str]) -> list[bytes]:
    sem = asyncio.Semaphore(16)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=16)) as client:
        async def one(pid: str) -> bytes:
            async with sem, client.stream("GET", f"{base}/page/{pid}") as response:
                return b"".join([chunk async for chunk in response.aiter_raw()])
        return list(await asyncio.gather(*(one(p) for p in pids)))


async def _kafka_round_trip(servers: str, broker_pid: int,
                            events: dict[str, list[tuple[bytes, dict[str, bytes]]]]
                            ) -> tuple[float, float]:
    """CPU seconds (this process, broker) to produce every event and consume it once."""
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    await admin.create_topics([NewTopic(f"budget.{t}", 1, 1) for t in events])
    await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all",
                                max_request_size=16 << 20)
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False,
                                fetch_max_bytes=64 << 20, max_partition_fetch_bytes=64 << 20)
    await producer.start()
    await consumer.start()
    try:
        broker0, client0 = _cpu_of(broker_pid), time.process_time()
        for topic, values in events.items():
            sent = [await producer.send(f"budget.{topic}", v, key=str(i).encode(),
                                        headers=list(h.items()))
                    for i, (v, h) in enumerate(values)]
            await asyncio.gather(*sent)
        partitions = [TopicPartition(f"budget.{t}", 0) for t in events]
        consumer.assign(partitions)
        for tp in partitions:
            consumer.seek(tp, 0)
        want, got = sum(len(v) for v in events.values()), 0
        while got < want:
            batch = await consumer.getmany(timeout_ms=200)
            got += sum(len(records) for records in batch.values())
        return time.process_time() - client0, _cpu_of(broker_pid) - broker0
    finally:
        await producer.stop()
        await consumer.stop()


def run(folder: Path, rounds: int = 3) -> dict[str, Any]:
    import trafilatura

    from services.extract.extraction import warm_up
    from services.extract.work import enrich_record, extract_record
    from services.store.db import open_store

    pages, _ = load_pages(folder)
    pids = list(pages)
    n = len(pids)
    warm_up()
    now = datetime.now(UTC)
    site = SiteServer(page_site(pages))
    base = site.start()
    urls = {pid: f"{base}/page/{pid}" for pid in pids}
    cpu: dict[str, float] = {}
    try:
        asyncio.run(_fetch_all(base, pids))  # warm the client and the server
        cpu["fetch"], bodies = _timed(asyncio.run, _fetch_all(base, pids))
    finally:
        site.stop()

    def pack() -> dict[str, tuple[bytes, dict[str, bytes]]]:
        return {pid: page_record(PageFetched.with_gzip(
            body, len(pages[pid]), submitted_url=urls[pid], url=urls[pid], final_url=urls[pid],
            status=200, content_type="text/html", fetched_at=now), "newswire/ingest")
            for pid, body in zip(pids, bodies, strict=True)}

    cpu["pack"], fetched = _timed(pack)

    extracted: dict[str, bytes] = {}
    extract_s = reference_s = 0.0
    for _ in range(rounds):  # interleaved, so machine load hits both alike
        for pid in pids:
            try:
                took, out = _timed(extract_record, *fetched[pid])
                extracted[pid] = out.value
            except NewswireError:
                took = 0.0
            extract_s += took
            took, _ = _timed(trafilatura.extract, pages[pid])
            reference_s += took
    cpu["extract"] = extract_s / rounds
    reference_ms = reference_s / rounds / n * 1000

    cpu["enrich"], enriched = _timed(
        lambda: [enrich_record(v, 0, False).value for v in extracted.values()])

    kafka = KafkaSettings(embedded_port=free_port())
    workdir = Path(tempfile.mkdtemp(prefix="newswire-budget-"))
    broker = start_embedded_broker(kafka, workdir / "broker.log")
    try:
        submitted = [encode(UrlSubmitted(submitted_url=u, url=u)) for u in urls.values()]
        client_s, broker_s = asyncio.run(_kafka_round_trip(kafka.servers, broker.pid, {
            "submitted": [(v, {}) for v in submitted], "fetched": list(fetched.values()),
            "extracted": [(v, {}) for v in extracted.values()],
            "enriched": [(v, {}) for v in enriched]}))
    finally:
        broker.terminate()
        broker.wait(10)
    cpu["kafka"] = client_s + broker_s

    store = open_store(f"sqlite:///{workdir / 'budget.db'}")
    articles = [decode(ArticleEnriched, v) for v in enriched]
    cpu["store"], _ = _timed(lambda: [store.upsert_article(a) for a in articles])

    per_page = {k: round(v / n * 1000, 2) for k, v in cpu.items()}
    total = sum(per_page.values())
    return {
        "pages": n, "trafilatura_ms_per_page": round(reference_ms, 2),
        "ms_per_page": per_page,
        "x_trafilatura": {k: round(v / reference_ms, 3) for k, v in per_page.items()},
        "total_ms_per_page": round(total, 2),
        "total_x_trafilatura": round(total / reference_ms, 3),
        "two_core_ceiling_x_trafilatura": round(2 * reference_ms / total, 3),
    }
