"""Issue 19, item 10: the retry agent goes through the shared Stage. A retry record the agent
cannot handle is dead-lettered with its reason and never stalls its partition: later records
of the same partition are still put back, fetched and committed. Real embedded broker, real
services, a real loopback site."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiokafka import TopicPartition

from newswire.demo.site import ARTICLES
from newswire.events import UrlSubmitted, cloudevent_headers, encode
from newswire.kafka import make_consumer, make_producer
from newswire.topics import Topics
from newswire.urls import canonicalize, domain_key
from services.ingest.app import NOT_BEFORE_HEADER
from tests.conftest import Pipeline

pytestmark = pytest.mark.integration


Headers = list[tuple[str, bytes | None]]


def _retry_record(url: str, not_before: bytes | None) -> tuple[bytes, Headers]:
    event = UrlSubmitted(submitted_url=url, url=canonicalize(url), attempt=1)
    headers: Headers = list(cloudevent_headers(event, "newswire/test").items())
    headers.append((NOT_BEFORE_HEADER, not_before))
    return encode(event), headers


async def _produce(pipe: Pipeline, records: list[tuple[bytes, bytes, Headers]]) -> list[int]:
    """Put the records on partition 0 of the retry topic; returns their offsets."""
    producer = make_producer(pipe.settings.kafka)
    await producer.start()
    try:
        topic = Topics(pipe.settings.kafka.namespace).url_retry
        offsets = []
        for key, value, headers in records:
            meta = await producer.send_and_wait(topic, key=key, value=value, partition=0,
                                                headers=headers)
            offsets.append(meta.offset)
        return offsets
    finally:
        await producer.stop()


async def _committed(pipe: Pipeline) -> int | None:
    topics = Topics(pipe.settings.kafka.namespace)
    consumer = make_consumer(pipe.settings.kafka, group_id=topics.group("ingest"),
                             enable_auto_commit=False)
    await consumer.start()
    try:
        return await consumer.committed(TopicPartition(topics.url_retry, 0))
    finally:
        await consumer.stop()


async def _dlq_headers(pipe: Pipeline) -> list[dict[str, bytes]]:
    topics = Topics(pipe.settings.kafka.namespace)
    dlq = Topics.dlq(topics.url_submitted)
    consumer = make_consumer(pipe.settings.kafka, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest")
    await consumer.start()
    try:
        tp = TopicPartition(dlq, 0)
        consumer.assign([tp])
        end = (await consumer.end_offsets([tp]))[tp]
        out: list[dict[str, bytes]] = []
        while await consumer.position(tp) < end:
            for records in (await consumer.getmany(tp, timeout_ms=500)).values():
                out.extend(dict(r.headers) for r in records)  # type: ignore[misc]
        return out
    finally:
        await consumer.stop()


def test_a_failing_retry_record_is_dead_lettered_and_does_not_stall_its_partition(
        pipeline: Pipeline, news_site: str) -> None:
    pipe = pipeline
    first, last = (f"{news_site}/news/{a.slug}?retry-agent" for a in ARTICLES[:2])
    key = domain_key(first).encode()
    value, no_time = _retry_record(first, None)  # a not-before header without a value
    late_value, late_headers = _retry_record(last, f"{time.time() + 1:.3f}".encode())
    offsets = asyncio.run(_produce(pipe, [
        (key, value, no_time),
        (key, b"{not an event", [(NOT_BEFORE_HEADER, b"0")]),
        (key, late_value, late_headers),
    ]))

    # the valid records were put back on news.url.submitted, fetched and stored: the one
    # behind the broken record, and the one whose not-before header had no value
    assert pipe.wait_for(last, timeout=60)["status"] == "ok"
    assert pipe.wait_for(first, timeout=30)["status"] == "ok"
    # the broken one is accounted for: a DLQ record naming the retry record and a reason
    retry_topic = Topics(pipe.settings.kafka.namespace).url_retry
    deadline = time.monotonic() + 30
    mine: list[dict[str, bytes]] = []
    while not mine and time.monotonic() < deadline:
        mine = [h for h in asyncio.run(_dlq_headers(pipe))
                if h.get("__connect.errors.topic") == retry_topic.encode()
                and h.get("__connect.errors.offset") == str(offsets[1]).encode()]
        time.sleep(0.3)
    assert mine, "the broken retry record was not dead-lettered"
    assert mine[0]["newswire.reason"] == b"malformed_event"
    assert mine[0]["newswire.stage"] == b"ingest"
    # and the partition's offsets were committed past all three records
    deadline = time.monotonic() + 30
    committed = None
    while time.monotonic() < deadline:
        committed = asyncio.run(_committed(pipe))
        if committed is not None and committed > offsets[-1]:
            break
        time.sleep(0.5)
    assert committed is not None and committed > offsets[-1], (committed, offsets)
