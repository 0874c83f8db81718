"""POST /urls on the real embedded broker: what it accepts is published exactly as
`newswire submit` publishes it (topic, key, headers, one event per canonical URL); what it
refuses is reported per URL; a malformed body is a 400 and an unreachable broker a 503."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiokafka import ConsumerRecord, TopicPartition

from newswire.events import UrlSubmitted, decode
from newswire.kafka import ensure_topics, make_consumer
from newswire.settings import Settings
from newswire.submit import Submitter, submit_urls
from newswire.topics import Topics
from services.store.api import api_app
from services.store.db import open_store
from tests.store.test_store_openapi import kafka_settings
from tests.tools.pipeline import free_port

pytestmark = pytest.mark.integration


async def _records(settings: Settings) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record on the submission topic so far."""
    topic = Topics(settings.kafka.namespace).url_submitted
    consumer = make_consumer(settings.kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(settings.kafka.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        out: list[ConsumerRecord[bytes, bytes]] = []
        while any([await consumer.position(tp) < end[tp] for tp in tps]):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                out += records
        return out
    finally:
        await consumer.stop()


async def _client(settings: Settings, tmp_path: Path) -> TestClient[Any, Any]:
    submitter = Submitter(settings, screen_addresses=True)
    app = api_app(open_store(f"sqlite:///{tmp_path / 'store.db'}"), submitter)
    app.on_cleanup.append(lambda _: submitter.stop())
    return TestClient(TestServer(app))


@pytest.fixture
async def settings(broker: str) -> Settings:
    s = kafka_settings(broker)
    await ensure_topics(s.kafka, Topics(s.kafka.namespace))
    return s


@pytest.fixture
async def client(settings: Settings, tmp_path: Path) -> AsyncIterator[TestClient[Any, Any]]:
    async with await _client(settings, tmp_path) as c:
        yield c


REFUSED = {
    "ftp://files.example.com/a": "invalid_url",
    "javascript:alert(1)": "invalid_url",
    "http://exa\x00mple.com/": "invalid_url",
    "https://example.com/\x1b[2J": "invalid_url",
    "http://10.0.0.1/admin": "blocked_address",
    "http://127.0.0.1:8080/": "blocked_address",
    "http://localhost/": "blocked_address",
    "http://api.localhost./x": "blocked_address",
    "http://[::1]/": "blocked_address",
    "http://[::ffff:192.168.0.1]/": "blocked_address",
    "http://169.254.169.254/latest/meta-data": "blocked_address",
    "http://2130706433/": "blocked_address",
    "http://0x7f.1/": "blocked_address",
}


async def test_accepted_urls_are_published_like_the_cli_and_refused_ones_reported(
        client: TestClient[Any, Any], settings: Settings) -> None:
    urls = ["https://News.Example.com/a?utm_source=x", "https://news.example.com/a",
            "https://other.org/b", *REFUSED]
    resp = await client.post("/urls", json={"urls": urls, "refresh": True})
    assert resp.status == 202
    body = await resp.json()
    assert body["accepted"] == [
        {"url": urls[0], "canonical_url": "https://news.example.com/a"},
        {"url": urls[1], "canonical_url": "https://news.example.com/a"},
        {"url": urls[2], "canonical_url": "https://other.org/b"}]
    assert {r["url"]: r["reason"] for r in body["rejected"]} == REFUSED
    assert all(r["detail"] for r in body["rejected"])
    # one event per canonical URL, keyed and labelled as `newswire submit` does it
    await submit_urls(settings, ["https://third.net/c"])
    records = await _records(settings)
    events = {decode(UrlSubmitted, r.value).url: (r, decode(UrlSubmitted, r.value))
              for r in records}
    assert len(records) == 3 == len(events)
    for url, key in (("https://news.example.com/a", b"example.com"),
                     ("https://other.org/b", b"other.org"), ("https://third.net/c", b"third.net")):
        record, event = events[url]
        headers = dict(record.headers)
        assert record.key == key
        assert headers["ce_type"] == b"news.url.submitted.v1"
        assert headers["ce_source"] == b"newswire/submit"
        assert headers["traceparent"].startswith(b"00-")
        assert (event.source, event.refresh) == (
            ("submit", False) if url == "https://third.net/c" else ("api", True))
    assert events["https://news.example.com/a"][1].submitted_url == urls[0]


async def test_allowed_networks_are_not_refused(broker: str, tmp_path: Path) -> None:
    settings = kafka_settings(broker, allow_networks=["127.0.0.0/8"])
    await ensure_topics(settings.kafka, Topics(settings.kafka.namespace))
    async with await _client(settings, tmp_path) as client:
        resp = await client.post("/urls", json={"urls": ["http://127.0.0.1:9/x",
                                                         "http://10.1.2.3/"]})
        body = await resp.json()
    assert [a["canonical_url"] for a in body["accepted"]] == ["http://127.0.0.1:9/x"]
    assert [r["reason"] for r in body["rejected"]] == ["blocked_address"]


MALFORMED: list[bytes] = [
    b"", b"not json", b"[]", b'"https://a.com/"', b"{}", b'{"urls": "https://a.com/"}',
    b'{"urls": [1, 2]}', b'{"urls": [null]}', b'{"urls": ["https://a.com/"], "refresh": "yes"}',
    b'{"urls": ["https://a.com/"], "priority": 1}',
    orjson.dumps({"urls": [f"https://a.com/{i}" for i in range(1001)]}),
]


async def test_a_malformed_body_is_a_400_and_publishes_nothing(
        client: TestClient[Any, Any], settings: Settings) -> None:
    for data in MALFORMED:
        resp = await client.post("/urls", data=data,
                                 headers={"Content-Type": "application/json"})
        body = await resp.json()
        assert resp.status == 400 and body["error"].startswith("malformed body"), (data, body)
    resp = await client.post("/urls", json={"urls": [f"https://a.com/{i}" for i in range(1000)]})
    assert resp.status == 202 and len((await resp.json())["accepted"]) == 1000
    assert len(await _records(settings)) == 1000
    resp = await client.post("/urls", data=io.BytesIO(b"{" + b" " * (1024 * 1024) + b"}"))
    assert resp.status == 413


async def test_an_unreachable_broker_is_a_503(tmp_path: Path) -> None:
    settings = kafka_settings(f"127.0.0.1:{free_port()}")
    async with await _client(settings, tmp_path) as client:
        resp = await client.post("/urls", json={"urls": ["https://a.com/x"]})
        assert resp.status == 503
        assert (await resp.json())["error"].startswith("broker unavailable")
        # nothing to publish: answered without the broker
        resp = await client.post("/urls", json={"urls": ["ftp://a.com/x"]})
        assert resp.status == 202
