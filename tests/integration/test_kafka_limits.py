"""Record size limits on the real embedded broker: topics carry max.message.bytes, and an
output record over it is dead-lettered with its reason instead of being retried forever."""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from newswire.demo import SiteServer
from newswire.demo.site import ARTICLES, site_app
from newswire.kafka import ensure_topics
from newswire.settings import KafkaSettings
from newswire.topics import Topics
from tests.integration.test_pipeline import _dlq_records, submit
from tests.tools.pipeline import start_pipeline

pytestmark = pytest.mark.integration
LIMIT = 200_000


async def _topic_configs(servers: str, names: list[str]) -> dict[str, dict[str, str]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in names])
    finally:
        await admin.close()
    return {resource[3]: {entry[0]: entry[1] for entry in resource[4]}
            for response in responses for resource in response.resources}


def test_topics_are_created_with_max_message_bytes(broker: str) -> None:
    kafka = KafkaSettings(bootstrap_servers=broker, namespace=f"t{uuid.uuid4().hex[:8]}.",
                          max_message_bytes=LIMIT)
    topics = Topics(kafka.namespace)
    created = asyncio.run(ensure_topics(kafka, topics))
    assert sorted(created) == sorted(topics.all())
    configs = asyncio.run(_topic_configs(broker, created))
    assert set(configs) == set(created)
    for name, config in configs.items():
        assert config.get("max.message.bytes") == str(LIMIT), name
    assert configs[topics.url_seen]["cleanup.policy"] == "compact"


@pytest.fixture
def site_with_a_huge_page() -> Iterator[str]:
    """The demo site plus /huge: an article page whose event (compressed) is over LIMIT."""
    text = "".join(f"<p>{secrets.token_urlsafe(300)}</p>" for _ in range(1500))

    async def huge(_: web.Request) -> web.Response:
        return web.Response(text=f"<html><body><article>{text}</article></body></html>",
                            content_type="text/html")

    app = site_app()
    app.router.add_get("/huge", huge)
    server = SiteServer(app)
    base = server.start()
    try:
        yield base
    finally:
        server.stop()


def _wait_for_failures(api: str, timeout: float = 60) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        failures = httpx.get(f"{api}/failures", params={"limit": 100}).json()["failures"]
        if failures:
            return list(failures)
        time.sleep(0.3)
    raise AssertionError(f"no failure recorded within {timeout}s")


def test_an_oversize_output_record_is_dead_lettered_and_the_partition_keeps_moving(
        broker: str, site_with_a_huge_page: str, tmp_path: Path) -> None:
    pipe = start_pipeline(broker, tmp_path, NEWSWIRE_KAFKA__MAX_MESSAGE_BYTES=str(LIMIT))
    try:
        huge = f"{site_with_a_huge_page}/huge"
        follow_up = f"{site_with_a_huge_page}/news/{ARTICLES[1].slug}"  # same domain key
        submit(pipe, huge)
        submit(pipe, follow_up)
        assert pipe.wait_for(follow_up, timeout=60)["status"] == "ok"
        failures = _wait_for_failures(pipe.api)
        assert [(f["stage"], f["reason"]) for f in failures] == [("ingest", "message_too_large")]
        # the failure is the URL's: a user asking about it by URL sees the reason
        answer = pipe.wait_for(huge, timeout=30)
        assert (answer["status"], answer["stage"], answer["reason"]) == (
            "failed", "ingest", "message_too_large")
        source = pipe.settings.kafka.namespace + "news.url.submitted"
        records = asyncio.run(_dlq_records(pipe, source + ".dlq"))
        reasons = [h.get("newswire.reason") for _, h in records]
        assert reasons == [b"message_too_large"]
        headers = records[0][1]
        assert headers["__connect.errors.topic"] == source.encode()
        assert b"exceeds max.message.bytes" in headers["__connect.errors.exception.message"]
    finally:
        pipe.supervisor.stop()
