"""Dedup state: survives a restart, moves with its partition, and is bounded in memory.
Real embedded broker for the topic; the bounds are the pure table's."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner

from newswire.demo.site import ARTICLES
from newswire.kafka import ensure_topics, make_consumer, make_producer
from newswire.settings import KafkaSettings
from newswire.submit import submit_urls
from newswire.topics import Topics
from newswire.urls import canonicalize, domain_key
from services.ingest.seen import SeenEntry, SeenTable
from services.ingest.seen_topic import SeenTopic
from tests.conftest import Pipeline

PARTITIONS = 4


async def _noop(_: str, __: bytes, ___: int) -> None:
    return None


class Worker:
    """One ingest worker's dedup state, writing through a real producer."""

    def __init__(self, kafka: KafkaSettings, topic: str, producer: AIOKafkaProducer,
                 owned: set[int]) -> None:
        async def write(url: str, value: bytes, partition: int) -> None:
            await producer.send_and_wait(topic, key=url.encode(), value=value,
                                         partition=partition)

        self.table = SeenTable(write, inflight_ttl=60)
        self.topic = SeenTopic(self.table, topic)
        self.kafka = kafka
        self.owned = owned

    async def start(self) -> Worker:
        self.topic.own(self.owned)
        await self.topic.start(make_consumer(self.kafka, group_id=None,
                                             enable_auto_commit=False))
        for part in self.owned:
            await asyncio.wait_for(self.topic.ready(part), 30)
        return self

    def held(self, urls: list[str]) -> set[str]:
        """Which of ``urls`` this worker knows, checking it knows nothing else."""
        known = {u for u in urls if self.table.get(u, partition_of(u)) is not None}
        assert len(self.table) == len(known)
        return known


@pytest.fixture(name="seen_topic")
async def _seen_topic(broker: str) -> AsyncIterator[tuple[KafkaSettings, str, AIOKafkaProducer]]:
    kafka = KafkaSettings(bootstrap_servers=broker, idempotence=False, partitions=PARTITIONS)
    topics = Topics(f"s{uuid.uuid4().hex[:8]}.")
    await ensure_topics(kafka, topics)
    producer = make_producer(kafka)
    await producer.start()
    try:
        yield kafka, topics.url_seen, producer
    finally:
        await producer.stop()


async def partitions_written(kafka: KafkaSettings, topic: str) -> dict[str, set[int]]:
    """The partitions of ``topic`` each key was written to."""
    reader = make_consumer(kafka, group_id=None, enable_auto_commit=False)
    await reader.start()
    try:
        tps = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic) or ()]
        reader.assign(tps)
        await reader.seek_to_beginning(*tps)
        ends = await reader.end_offsets(tps)
        out: dict[str, set[int]] = {}
        while any([await reader.position(tp) < ends[tp] for tp in tps]):
            for tp, records in (await reader.getmany(*tps, timeout_ms=300)).items():
                for record in records:
                    key = (record.key or b"").decode()
                    out.setdefault(key, set()).add(tp.partition)
        return out
    finally:
        await reader.stop()


def partition_of(url: str) -> int:
    """Where news.url.submitted puts a URL: keyed by its domain, default partitioner."""
    return int(DefaultPartitioner()(domain_key(url).encode(), list(range(PARTITIONS)), []))


@pytest.mark.integration
async def test_state_survives_a_restart_and_reaches_other_workers(
        seen_topic: tuple[KafkaSettings, str, AIOKafkaProducer]) -> None:
    kafka, topic, producer = seen_topic
    everything = set(range(PARTITIONS))
    url, busy = "https://news.example/a", "https://news.example/b"
    part = partition_of(url)
    first = await Worker(kafka, topic, producer, everything).start()
    other = await Worker(kafka, topic, producer, everything).start()  # a second worker
    assert first.table.claim(url, "e1", part) == "fetch"
    # the same URL again (another spelling, another source) while in flight: skipped
    assert first.table.claim(url, "e2", part) == "duplicate"
    # the same event again (a retry): allowed
    assert first.table.claim(url, "e1", part) == "fetch"
    await first.table.record(url, SeenEntry("done", 1e10, "e1", '"etag"', None, "h"), part)
    assert first.table.claim(busy, "e3", part) == "fetch"
    await first.table.record(busy, first.table.get(busy, part), part)  # type: ignore[arg-type]
    await first.topic.stop()

    restarted = await Worker(kafka, topic, producer, everything).start()
    assert restarted.table.claim(url, "e4", part) == "duplicate"
    assert restarted.table.claim(busy, "e5", part) == "duplicate"
    # refresh bypasses dedup and keeps the validators for a conditional GET
    assert restarted.table.claim(url, "e6", part, refresh=True) == "fetch"
    entry = restarted.table.get(url, part)
    assert entry is not None and entry.etag == '"etag"' and entry.body_hash == "h"
    await restarted.topic.stop()

    for _ in range(50):  # the tailing worker saw the other's writes
        seen = other.table.get(url, part)
        if seen is not None and seen.state == "done":
            break
        await asyncio.sleep(0.1)
    assert other.table.claim(url, "e7", part) == "duplicate"
    assert other.table.claim("https://news.example/new", "e8", part) == "fetch"
    await other.topic.stop()


@pytest.mark.integration
async def test_a_worker_holds_only_the_partitions_it_owns(
        seen_topic: tuple[KafkaSettings, str, AIOKafkaProducer]) -> None:
    kafka, topic, producer = seen_topic
    urls = [f"https://site{i}.example/news/{i}" for i in range(24)]
    by_part = {p: {u for u in urls if partition_of(u) == p} for p in range(PARTITIONS)}
    assert all(by_part.values()), "every partition should get some URLs"
    low = await Worker(kafka, topic, producer, {0, 1}).start()
    high = await Worker(kafka, topic, producer, {2, 3}).start()
    for url in urls:  # each URL handled by the worker owning its partition
        worker = low if partition_of(url) in low.owned else high
        assert worker.table.claim(url, "e", partition_of(url)) == "fetch"
        await worker.table.record(url, SeenEntry("done", 1e10, "e"), partition_of(url))
    await asyncio.sleep(1.5)  # both tail the topic meanwhile
    assert low.held(urls) == by_part[0] | by_part[1]
    assert high.held(urls) == by_part[2] | by_part[3]

    # the state was written to the partition of the URL's news.url.submitted record
    assert await partitions_written(kafka, topic) == {u: {partition_of(u)} for u in urls}

    # a rebalance: partition 1 moves to the other worker, with its history
    low.topic.own({0})
    high.topic.own({1, 2, 3})
    await asyncio.wait_for(high.topic.ready(1), 30)
    await asyncio.wait_for(low.topic.ready(0), 30)
    assert low.held(urls) == by_part[0]
    assert high.held(urls) == by_part[1] | by_part[2] | by_part[3]
    moved = next(iter(by_part[1]))
    assert high.table.claim(moved, "e2", 1) == "duplicate"
    await low.topic.stop()
    await high.topic.stop()


@pytest.mark.integration
def test_the_service_writes_dedup_state_to_the_owning_partition(
        pipeline: Pipeline, news_site: str) -> None:
    """What the ingest service writes: each URL's state on the news.url.seen partition of
    its news.url.submitted record (the default partitioner on its domain key)."""
    urls = [f"{news_site}/news/{a.slug}?seen-partition" for a in ARTICLES[:4]]
    asyncio.run(submit_urls(pipeline.settings, urls))
    for url in urls:
        pipeline.wait_for(url, timeout=60)
    kafka = pipeline.settings.kafka
    assert kafka.partitions == PARTITIONS
    where = asyncio.run(partitions_written(kafka, Topics(kafka.namespace).url_seen))
    for url in urls:
        assert where[canonicalize(url)] == {partition_of(url)}


def test_entries_past_the_ttl_are_forgotten_and_dropped() -> None:
    now = [1000.0]
    table = SeenTable(_noop, ttl=100, clock=lambda: now[0])
    table.own({0, 1})
    table.apply("old", SeenEntry("done", 950.0).encode(), 0)
    table.apply("new", SeenEntry("done", 990.0).encode(), 1)
    assert table.claim("old", "e", 0) == "duplicate" and len(table) == 2
    now[0] = 1060.0  # "old" is 110 s old: past the TTL, fetched again
    assert table.get("old", 0) is None
    assert table.claim("old", "e2", 0) == "fetch"
    assert table.get("new", 1) is not None
    now[0] = 1200.0
    table.apply("later", SeenEntry("done", 1200.0).encode(), 0)  # any write sweeps
    assert len(table) == 1 and table.get("later", 0) is not None


def test_past_the_size_bound_the_oldest_entries_go_first() -> None:
    table = SeenTable(_noop, max_entries=3, ttl=1e9, clock=lambda: 100.0)
    table.own({0, 1})
    for i, part in enumerate((0, 1, 0, 1, 0)):
        table.apply(f"u{i}", SeenEntry("done", 10.0 + i).encode(), part)
    assert len(table) == 3
    assert [table.get(f"u{i}", p) is not None for i, p in enumerate((0, 1, 0, 1, 0))] == \
        [False, False, True, True, True]


def test_entries_of_partitions_not_owned_are_not_held() -> None:
    table = SeenTable(_noop, clock=lambda: 100.0)
    table.own({1})
    table.apply("theirs", SeenEntry("done", 50.0).encode(), 0)
    assert len(table) == 0 and table.get("theirs", 0) is None
    table.apply("mine", SeenEntry("done", 50.0).encode(), 1)
    table.own({0})  # revoked: dropped
    assert len(table) == 0 and table.owned == {0}


def test_abandoned_claims_and_old_failures_expire() -> None:
    table = SeenTable(_noop, inflight_ttl=10, failed_ttl=10, clock=lambda: 20.0)
    table.own({0})
    table.apply("u1", SeenEntry("inflight", 1.0, "old").encode(), 0)
    table.apply("u2", SeenEntry("failed", 1.0, "old").encode(), 0)
    assert table.claim("u1", "new", 0) == "fetch"
    assert table.claim("u2", "new", 0) == "fetch"
    # an older record read back from the topic never replaces a newer local state
    table.apply("u1", SeenEntry("failed", 0.5, "older").encode(), 0)
    assert table.get("u1", 0).state == "inflight"  # type: ignore[union-attr]
    table.apply("u3", b"not json", 0)
    assert table.get("u3", 0) is None
