"""The OpenAPI document is the API: every route of the app is documented, every documented
operation is a route, and every response body the app gives (each route driven on a store with
data, answers and refusals) conforms to the schema the document declares for its status."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from newswire.events import Failure
from newswire.kafka import ensure_topics
from newswire.settings import KafkaSettings, Settings
from newswire.submit import Submitter
from newswire.topics import Topics
from newswire.web import health_routes
from services.store.api import api_app
from services.store.db import Store
from services.store.openapi import OPENAPI
from tests.schema_check import conforms
from tests.store.fixtures import article, quote, store  # noqa: F401 - store is the fixture

pytestmark = pytest.mark.integration  # POST /urls publishes to the real embedded broker

SAID = "The new harbour tunnel will open in the spring of next year as planned"
SCHEMAS = OPENAPI["components"]["schemas"]


def kafka_settings(broker: str, **ingest: Any) -> Settings:
    return Settings(kafka=KafkaSettings(bootstrap_servers=broker, idempotence=False,
                                        namespace=f"t{uuid.uuid4().hex[:8]}."),
                    ingest=ingest)  # type: ignore[arg-type]  # pydantic validates the dict


async def _ready() -> tuple[bool, dict[str, object]]:
    return True, {"broker": "reachable", "stages": {"store": True}}


@pytest.fixture
async def client(store: Store, broker: str) -> AsyncIterator[TestClient[Any, Any]]:
    store.upsert_article(article("https://one.com/tunnel", "The harbour tunnel story, part one.",
                                 [quote(SAID, "Mayor Ida Holm")], title="Tunnel opens"))
    store.upsert_article(article("https://two.net/t", "Harbour tunnel: another outlet reports.",
                                 [quote(SAID, "Holm")], title="Spring date for harbour tunnel"))
    store.record_failure(Failure(submitted_url="https://gone.org/x", url="https://gone.org/x",
                                 stage="ingest", reason="http_4xx", detail="404 Not Found"))
    settings = kafka_settings(broker)
    await ensure_topics(settings.kafka, Topics(settings.kafka.namespace))
    async with Submitter(settings, screen_addresses=True) as submitter:
        app = api_app(store, submitter, health_routes(CollectorRegistry(), _ready))
        async with TestClient(TestServer(app)) as c:
            yield c


def _documented(method: str, route: str, status: int) -> dict[str, Any]:
    op = OPENAPI["paths"][route][method]
    assert str(status) in op["responses"], (method, route, status)
    return dict(op["responses"][str(status)])


async def test_every_route_answers_as_documented(client: TestClient[Any, Any]) -> None:
    page = orjson.loads(await (await client.get("/articles")).read())
    aid = page["items"][0]["id"]
    story = page["items"][0]["story_id"]
    unknown = "0123456789abcdef0123456789abcdef"
    calls: list[tuple[str, str, str, dict[str, str], bytes | None, int]] = [
        ("get", "/articles", "/articles", {}, None, 200),
        ("get", "/articles", "/articles", {"site": "one.com", "has_claims": "true",
                                           "since": "2026-05-01", "limit": "1"}, None, 200),
        ("get", "/articles", "/articles", {"url": "https://one.com/tunnel?utm_source=x"},
         None, 200),
        ("get", "/articles", "/articles", {"url": "https://gone.org/x"}, None, 200),
        ("get", "/articles", "/articles", {"url": "https://never.org/x"}, None, 404),
        ("get", "/articles", "/articles", {"has_claims": "perhaps"}, None, 400),
        ("get", "/articles/{id}", f"/articles/{aid}", {}, None, 200),
        ("get", "/articles/{id}", f"/articles/{unknown}", {}, None, 404),
        ("get", "/articles/{id}", "/articles/bad;id", {}, None, 400),
        ("get", "/articles/{id}/claims", f"/articles/{aid}/claims", {}, None, 200),
        ("get", "/articles/{id}/claims", f"/articles/{unknown}/claims", {}, None, 404),
        ("get", "/search", "/search", {"q": "harbour"}, None, 200),
        ("get", "/search", "/search", {}, None, 400),
        ("get", "/claims", "/claims", {"speaker": "holm"}, None, 200),
        ("get", "/claims", "/claims", {"since": "soon"}, None, 400),
        ("get", "/speakers", "/speakers", {}, None, 200),
        ("get", "/speakers", "/speakers", {"cursor": "nope"}, None, 400),
        ("get", "/stories", "/stories", {"min_sites": "1"}, None, 200),
        ("get", "/stories", "/stories", {"min_sites": "0"}, None, 400),
        ("get", "/stories/{id}", f"/stories/{story}", {}, None, 200),
        ("get", "/stories/{id}", "/stories/no-such-story", {}, None, 404),
        ("get", "/stats", "/stats", {}, None, 200),
        ("get", "/failures", "/failures", {}, None, 200),
        ("get", "/failures", "/failures", {"limit": "x"}, None, 400),
        ("post", "/urls", "/urls", {}, orjson.dumps(
            {"urls": ["https://one.com/new", "http://10.0.0.1/", "ftp://x.org/"]}), 202),
        ("post", "/urls", "/urls", {}, b'{"urls": "https://one.com/"}', 400),
        ("get", "/openapi.json", "/openapi.json", {}, None, 200),
        ("get", "/docs", "/docs", {}, None, 200),
        ("get", "/metrics", "/metrics", {}, None, 200),
        ("get", "/livez", "/livez", {}, None, 200),
        ("get", "/readyz", "/readyz", {}, None, 200),
    ]
    for method, route, path, params, body, status in calls:
        resp = await client.request(method.upper(), path, params=params, data=body)
        raw = await resp.read()
        assert resp.status == status, (method, path, params, raw[:300])
        content = _documented(method, route, status).get("content", {})
        if "application/json" in content:
            value = orjson.loads(raw)
            schema = content["application/json"].get("schema", {})
            assert conforms(value, schema, SCHEMAS) == [], (method, path, params, value)
        else:
            assert resp.content_type in content, (method, path, resp.content_type)
    driven = {(m, r) for m, r, *_ in calls}
    routes = {(r.method.lower(), r.resource.canonical)  # type: ignore[union-attr]
              for r in client.app.router.routes() if r.method != "HEAD"}
    documented = {(m, p) for p, ops in OPENAPI["paths"].items() for m in ops}
    assert routes == documented == driven


async def test_the_docs_page_is_self_contained(client: TestClient[Any, Any]) -> None:
    page = await (await client.get("/docs")).text()
    assert "openapi.json" in page and "<script>" in page
    # works offline: no script, style or font from another host
    for marker in ("<script src", "<link", "src=", "href=", "@import", "url(", "//cdn"):
        assert marker not in page, marker


def test_the_schema_checker_catches_a_wrong_body() -> None:
    good: dict[str, Any] = {
        "items": [{"speaker": "Ida Holm", "speaker_name": "Ida Holm", "claims": 2, "sites": 1,
                   "latest": None}],
        "next_cursor": None}
    ref = {"$ref": "#/components/schemas/SpeakerList"}
    assert conforms(good, ref, SCHEMAS) == []
    bad = {"items": [{**good["items"][0], "claims": "2", "extra": 1}]}
    assert conforms(bad, ref, SCHEMAS) == [
        "missing next_cursor", "items: [0]: claims: '2' is not integer",
        "items: [0]: unexpected extra"]
