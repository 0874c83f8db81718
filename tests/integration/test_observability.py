"""Operators follow one URL through the stages: JSON logs and W3C trace context."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from aiohttp import web
from aiokafka import AIOKafkaConsumer, TopicPartition

from newswire.demo import SiteServer
from newswire.demo.site import ARTICLES
from newswire.submit import submit_urls
from newswire.urls import canonicalize
from tests.tools.pipeline import Pipeline, start_pipeline

pytestmark = pytest.mark.integration


async def _headers_by_url(pipe: Pipeline, base_topic: str) -> dict[str, dict[str, bytes]]:
    topic = pipe.settings.kafka.namespace + base_topic
    consumer = AIOKafkaConsumer(bootstrap_servers=pipe.settings.kafka.servers,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(pipe.settings.kafka.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        out: dict[str, dict[str, bytes]] = {}
        while any([await consumer.position(tp) < end[tp] for tp in tps]):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    out[orjson.loads(r.value)["url"]] = dict(r.headers)
        return out
    finally:
        await consumer.stop()


def test_one_url_can_be_followed_through_logs_and_trace_context(
        pipeline: Pipeline, news_site: str) -> None:
    url = f"{news_site}/news/{ARTICLES[2].slug}?trace=1"
    asyncio.run(submit_urls(pipeline.settings, [url]))
    assert pipeline.wait_for(url)["status"] == "ok"
    canonical = canonicalize(url)
    submitted = asyncio.run(_headers_by_url(pipeline, "news.url.submitted"))[canonical]
    enriched = asyncio.run(_headers_by_url(pipeline, "news.article.enriched"))[canonical]
    trace_in = submitted["traceparent"].decode().split("-")
    trace_out = enriched["traceparent"].decode().split("-")
    assert trace_in[1] == trace_out[1]  # same trace id end to end
    assert trace_in[2] != trace_out[2]  # a new span per stage
    lines = []
    for log in pipeline.supervisor.logs.glob("*.log"):
        for line in log.read_text().splitlines():
            if line.startswith("{"):
                lines.append(orjson.loads(line))
    mine = [e for e in lines if e.get("trace_id") == trace_in[1]]
    stages = {e["stage"] for e in mine}
    assert {"ingest", "extract", "claims", "store"} <= stages, stages
    for entry in mine:
        assert {"topic", "partition", "offset", "ts", "level", "msg"} <= set(entry)
    assert any(e.get("url") == canonical and e.get("article_id") for e in mine)


@pytest.fixture
def otlp_collector() -> Iterator[tuple[str, list[bytes]]]:
    received: list[bytes] = []

    async def traces(request: web.Request) -> web.Response:
        received.append(await request.read())
        return web.Response(status=200, body=b"", content_type="application/x-protobuf")

    app = web.Application()
    app.add_routes([web.post("/v1/traces", traces)])
    server = SiteServer(app)
    base = server.start()
    try:
        yield base, received
    finally:
        server.stop()


def test_spans_are_exported_when_an_endpoint_is_set(
        broker: str, tmp_path: Path, news_site: str,
        otlp_collector: tuple[str, list[bytes]]) -> None:
    endpoint, received = otlp_collector
    pipe = start_pipeline(broker, tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint,
                          OTEL_BSP_SCHEDULE_DELAY="200")
    try:
        url = f"{news_site}/news/{ARTICLES[1].slug}?otel=1"
        asyncio.run(submit_urls(pipe.settings, [url]))
        assert pipe.wait_for(url)["status"] == "ok"
        import time

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not any(b"newswire.store" in r for r in received):
            time.sleep(0.2)
        body = b"".join(received)
        for stage in (b"newswire.ingest", b"newswire.extract", b"newswire.claims",
                      b"newswire.store"):
            assert stage in body, stage
    finally:
        pipe.supervisor.stop()
