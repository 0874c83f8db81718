"""Dedup state on a real (embedded) broker: survives a restart, shared between workers."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from newswire.kafka import ensure_topics, make_consumer, make_producer
from newswire.settings import KafkaSettings
from newswire.topics import Topics
from services.ingest.seen import SeenEntry, SeenTable

pytestmark = pytest.mark.integration


async def _table(kafka: KafkaSettings, topic: str, producer) -> SeenTable:  # type: ignore[no-untyped-def]
    async def write(url: str, value: bytes) -> None:
        await producer.send_and_wait(topic, key=url.encode(), value=value)

    table = SeenTable(write, inflight_ttl=60)
    await table.start(make_consumer(kafka, group_id=None, enable_auto_commit=False), topic)
    return table


async def test_state_survives_a_restart_and_reaches_other_workers(broker: str) -> None:
    kafka = KafkaSettings(bootstrap_servers=broker, idempotence=False)
    topics = Topics(f"s{uuid.uuid4().hex[:8]}.")
    await ensure_topics(kafka, topics)
    producer = make_producer(kafka)
    await producer.start()
    try:
        first = await _table(kafka, topics.url_seen, producer)
        other = await _table(kafka, topics.url_seen, producer)  # a second worker, running
        url, busy = "https://news.example/a", "https://news.example/b"
        assert first.claim(url, "e1") == "fetch"
        # the same URL again (another spelling, another source) while in flight: skipped
        assert first.claim(url, "e2") == "duplicate"
        # the same event again (a retry): allowed
        assert first.claim(url, "e1") == "fetch"
        await first.record(url, SeenEntry("done", 1e10, "e1", '"etag"', None, "h"))
        assert first.claim(busy, "e3") == "fetch"
        await first.record(busy, first.get(busy))  # type: ignore[arg-type]
        await first.stop()

        restarted = await _table(kafka, topics.url_seen, producer)
        assert restarted.claim(url, "e4") == "duplicate"
        assert restarted.claim(busy, "e5") == "duplicate"
        # refresh bypasses dedup and keeps the validators for a conditional GET
        assert restarted.claim(url, "e6", refresh=True) == "fetch"
        entry = restarted.get(url)
        assert entry is not None and entry.etag == '"etag"' and entry.body_hash == "h"
        await restarted.stop()

        for _ in range(50):  # the tailing worker saw the other's writes
            if other.get(url) is not None and other.get(url).state == "done":  # type: ignore[union-attr]
                break
            await asyncio.sleep(0.1)
        assert other.claim(url, "e7") == "duplicate"
        assert other.claim("https://news.example/new", "e8") == "fetch"
        await other.stop()
    finally:
        await producer.stop()


def test_abandoned_claims_and_old_failures_expire() -> None:
    async def write(_: str, __: bytes) -> None:
        return None

    table = SeenTable(write, inflight_ttl=10, failed_ttl=10)
    table.apply("u1", SeenEntry("inflight", 1.0, "old").encode())
    table.apply("u2", SeenEntry("failed", 1.0, "old").encode())
    assert table.claim("u1", "new") == "fetch"
    assert table.claim("u2", "new") == "fetch"
    # an older record read back from the topic never replaces a newer local state
    table.apply("u1", SeenEntry("failed", 0.5, "older").encode())
    assert table.get("u1").state == "inflight"  # type: ignore[union-attr]
    table.apply("u3", b"not json")
    assert table.get("u3") is None
