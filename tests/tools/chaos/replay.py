"""Replays: read a topic from offset 0, rewind a consumer group, read a service's counters."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
from aiokafka import TopicPartition
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.structs import OffsetAndMetadata

from newswire.kafka import make_consumer
from newswire.settings import Settings
from newswire.topics import Topics

__all__ = ["metric", "read_topic", "replay_into_store", "rewind_group", "store_topics",
           "topic_keys"]


async def read_topic(settings: Settings, topic: str,
                     each: Callable[[Any], None], timeout: float = 60.0) -> int:
    """Call ``each(record)`` for every record of ``topic`` from offset 0 to its current end."""
    consumer = make_consumer(settings.kafka, enable_auto_commit=False,
                             max_partition_fetch_bytes=16 << 20, fetch_max_bytes=64 << 20)
    await consumer.start()
    count = 0
    try:
        await consumer.topics()
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic)
                                                         or ())]
        if not tps:
            return 0
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        async with asyncio.timeout(timeout):
            while True:
                positions = [await consumer.position(tp) for tp in tps]
                if all(pos >= end[tp] for pos, tp in zip(positions, tps, strict=True)):
                    break
                batch = await consumer.getmany(*tps, timeout_ms=500)
                for records in batch.values():
                    for record in records:
                        each(record)
                        count += 1
    finally:
        await consumer.stop()
    return count


def topic_keys(settings: Settings, topic: str) -> Counter[bytes]:
    """How many records each key has on a topic (duplicates on topics are allowed)."""
    keys: Counter[bytes] = Counter()
    asyncio.run(read_topic(settings, topic, lambda r: keys.update([r.key or b""])))
    return keys


def store_topics(settings: Settings) -> list[str]:
    """Every topic the store consumes: the public stream and every DLQ."""
    topics = Topics(settings.kafka.namespace)
    return [topics.article_enriched] + [t for t in topics.all() if t.endswith(".dlq")]


class _AsFaust(RoundRobinPartitionAssignor):
    """Faust's group protocol name, so the rewinding consumer may join a Faust app's group
    (alone in it, it takes every partition)."""

    name = "faust"


async def _rewind(settings: Settings, group: str, topics: list[str],
                  timeout: float = 60.0) -> int:
    """Join the group as its only member, take every partition, commit offset 0, leave."""
    consumer = make_consumer(settings.kafka, group_id=group, enable_auto_commit=False,
                             auto_offset_reset="earliest", session_timeout_ms=6000,
                             heartbeat_interval_ms=1000, partition_assignment_strategy=(_AsFaust,))
    await consumer.start()
    try:
        await consumer.topics()
        tps = {TopicPartition(t, p) for t in topics
               for p in consumer.partitions_for_topic(t) or ()}
        consumer.subscribe(topics)
        async with asyncio.timeout(timeout):
            while consumer.assignment() != tps:
                await consumer.getmany(timeout_ms=300, max_records=1)
            await consumer.commit({tp: OffsetAndMetadata(0, "") for tp in tps})
        committed = [await consumer.committed(tp) for tp in tps]
        if any(c != 0 for c in committed):
            raise RuntimeError(f"group {group} was not rewound: {committed}")
        return len(tps)
    finally:
        await consumer.stop()


def rewind_group(settings: Settings, service: str, topics: list[str]) -> int:
    """Commit offset 0 on every partition of ``topics`` for the service's consumer group (the
    service must be stopped and its group empty). Returns the number of partitions."""
    return asyncio.run(_rewind(settings, Topics(settings.kafka.namespace).group(service),
                               topics))


def replay_into_store(settings: Settings) -> int:
    """Upsert every record of news.article.enriched, from offset 0, into the store's database
    with the store's own code: what a second store consumer group would do."""
    from newswire.events import ArticleEnriched, decode
    from services.store.db import Store

    store = Store(settings.store_url)
    events: list[Any] = []
    try:
        n = asyncio.run(read_topic(settings, Topics(settings.kafka.namespace).article_enriched,
                                   events.append))
        for record in events:
            store.upsert_article(decode(ArticleEnriched, record.value))
    finally:
        store.close()
    return n


def metric(settings: Settings, service: str, sample: str) -> float:
    """One sample from a service's /metrics (0 if absent or the service is down)."""
    try:
        text = httpx.get(settings.metrics_urls()[service], timeout=3, trust_env=False).text
    except httpx.HTTPError:
        return 0.0
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
