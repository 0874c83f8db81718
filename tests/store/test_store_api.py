"""The query API over HTTP (aiohttp test server) on both databases: answers, keyset pages,
and bad input that must always be a clean 4xx with a message, never a 500."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.store.api import OPENAPI, api_routes, errors_middleware
from services.store.db import Store, open_store
from services.store.text import encode_cursor
from tests.store.fixtures import (  # noqa: F401 - store is the fixture
    article,
    drop_pg_database,
    fresh_pg_database,
    quote,
    store,
)

SAID = "The new harbour tunnel will open in the spring of next year as planned"


def _app(store: Store) -> web.Application:
    app = web.Application(middlewares=[errors_middleware])
    app.add_routes(api_routes(store))
    return app


@pytest.fixture
async def client(store: Store) -> AsyncIterator[TestClient[Any, Any]]:
    store.upsert_article(article("https://one.com/tunnel", "The harbour tunnel story, part one.",
                                 [quote(SAID, "Mayor Ida Holm")], title="Tunnel opens in spring"))
    store.upsert_article(article("https://two.net/t", "Harbour tunnel: another outlet reports.",
                                 [quote(SAID, "Holm")], title="Spring date for harbour tunnel"))
    for i in range(12):
        store.upsert_article(article(f"https://many{i}.org/x", f"Harbour item number {i}.",
                                     [quote(f"Claim number {i} about it", "Ida Holm")]))
    async with TestClient(TestServer(_app(store))) as c:
        yield c


async def _get(client: TestClient[Any, Any], path: str, **params: str) -> tuple[int, Any]:
    resp = await client.get(path, params=params)
    return resp.status, orjson.loads(await resp.read())


async def test_search_pages_with_opaque_cursors(client: TestClient[Any, Any]) -> None:
    seen: list[str] = []
    status, body = await _get(client, "/search", q="harbour", limit="5")
    assert status == 200 and body["query"] == "harbour"
    while True:
        seen += [hit["id"] for hit in body["results"]]
        if body["next_cursor"] is None:
            break
        status, body = await _get(client, "/search", q="harbour", limit="5",
                                  cursor=body["next_cursor"])
        assert status == 200
    assert len(seen) == 14 == len(set(seen))
    status, body = await _get(client, "/search", q="tunnel spring")
    assert [h["url"] for h in body["results"]][:1] == ["https://two.net/t"] or \
        [h["url"] for h in body["results"]][:1] == ["https://one.com/tunnel"]
    assert len(body["results"]) == 2


async def test_claims_by_surname_list_corroborating_articles(
        client: TestClient[Any, Any]) -> None:
    status, body = await _get(client, "/claims", speaker="holm", q="tunnel")
    assert status == 200
    by_url = {c["article_url"]: c for c in body["claims"]}
    assert set(by_url) == {"https://one.com/tunnel", "https://two.net/t"}
    first = by_url["https://one.com/tunnel"]
    assert first["speaker"] == "Mayor Ida Holm" and first["speaker_name"] == "Ida Holm"
    assert [(c["url"], c["site"]) for c in first["corroborated_by"]] == [
        ("https://two.net/t", "two.net")]
    # pages of 5 over 14 claims by Holm: every claim once, then a null cursor
    seen, cursor = [], None
    while True:
        status, page = await _get(client, "/claims", speaker="Ida Holm", limit="5",
                                  **({"cursor": cursor} if cursor else {}))
        assert status == 200
        seen += [(c["article_id"], c["index"]) for c in page["claims"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 14 == len(set(seen))
    aid = first["article_id"]
    status, own = await _get(client, f"/articles/{aid}/claims", limit="1")
    assert status == 200 and own["claims"][0]["corroborated_by"] == first["corroborated_by"]
    assert own["next_cursor"] is None
    status, art = await _get(client, f"/articles/{aid}")
    assert art["claims"][0]["corroborated_by"] == first["corroborated_by"]
    assert art["story_id"] and art["domain"] == "one.com"


async def test_stories_list_and_detail(client: TestClient[Any, Any]) -> None:
    status, body = await _get(client, "/stories")
    assert status == 200 and len(body["stories"]) == 1
    story_id = body["stories"][0]["id"]
    status, story = await _get(client, f"/stories/{story_id}")
    assert status == 200 and {a["site"] for a in story["articles"]} == {"one.com", "two.net"}
    assert len(story["corroborated_claims"]) == 2
    status, all_stories = await _get(client, "/stories", min_sites="1", limit="100")
    assert len(all_stories["stories"]) == 13


def _b64(obj: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(obj)).decode().rstrip("=")


BAD: list[tuple[str, dict[str, str], int, str]] = [
    ("/search", {}, 400, "required"),
    ("/search", {"q": "   "}, 400, "required"),
    ("/search", {"q": "!!! ??? ---"}, 400, "no words"),
    ("/search", {"q": "harbour " * 200}, 400, "longer than 500"),
    ("/search", {"q": " ".join(f"w{i}" for i in range(40))}, 400, "more than 32 words"),
    ("/search", {"q": "a\x00b"}, 400, "NUL"),
    ("/search", {"q": "harbour", "cursor": "not-a-cursor!"}, 400, "invalid cursor"),
    ("/search", {"q": "harbour", "cursor": "A" * 5000}, 400, "invalid cursor"),
    ("/search", {"q": "harbour", "cursor": encode_cursor("claims", ["x", "y", 1])}, 400,
     "invalid cursor"),
    ("/search", {"q": "harbour", "cursor": _b64(["search", "high", 3])}, 400, "invalid cursor"),
    ("/search", {"q": "harbour", "cursor": _b64(["search", 1.0, "a\x00"])}, 400,
     "invalid cursor"),
    ("/search", {"q": "harbour", "cursor": _b64({"search": 1})}, 400, "invalid cursor"),
    ("/search", {"q": "harbour", "limit": "0"}, 400, "between"),
    ("/search", {"q": "harbour", "limit": "ten"}, 400, "integer"),
    ("/search", {"q": "harbour", "limit": "99999999999999999999"}, 400, "between"),
    ("/claims", {"since": "yesterday"}, 400, "ISO 8601"),
    ("/claims", {"since": "2026-13-45"}, 400, "ISO 8601"),
    ("/claims", {"kind": "opinion"}, 400, "kind"),
    ("/claims", {"speaker": "x" * 600}, 400, "longer than"),
    ("/claims", {"speaker": "Holm\x00"}, 400, "NUL"),
    ("/claims", {"cursor": encode_cursor("claims", [1, 2, 3])}, 400, "invalid cursor"),
    ("/claims", {"cursor": encode_cursor("claims", ["x", "y", True])}, 400, "invalid cursor"),
    ("/stories", {"min_sites": "-1"}, 400, "between"),
    ("/stories", {"cursor": "%%%"}, 400, "invalid cursor"),
    ("/stories/no-such-story", {}, 404, "no story"),
    ("/stories/bad;id", {}, 400, "invalid story id"),
    ("/articles/0123456789abcdef0123456789abcdef", {}, 404, "no article"),
    ("/articles/0123456789abcdef0123456789abcdef/claims", {}, 404, "no article"),
    ("/articles/x'%20OR%201=1", {}, 400, "invalid article id"),
    ("/articles/" + "a" * 200, {}, 400, "invalid article id"),
    ("/articles", {"url": "javascript:alert(1)"}, 400, "invalid url"),
    ("/articles", {"url": "http://exa\x00mple.com/"}, 400, "NUL"),
    ("/articles", {"url": ""}, 400, "required"),  # without url= it lists articles
    ("/articles", {"has_claims": "maybe"}, 400, "has_claims"),
    ("/failures", {"limit": "many"}, 400, "integer"),
]


async def test_bad_input_is_a_clean_4xx_with_a_message(client: TestClient[Any, Any]) -> None:
    # one client (one database per backend) for the whole table: a database per case is slow
    for path, params, status, message in BAD:
        got, body = await _get(client, path, **params)
        assert (got, message in body.get("error", "")) == (status, True), (path, params, body)


async def test_sql_looking_input_is_just_words(client: TestClient[Any, Any]) -> None:
    for q in ("'; DROP TABLE articles; --", "harbour' OR '1'='1", "1; SELECT pg_sleep(10)",
              "harbour\") UNION SELECT * FROM claims --", "NEAR(harbour tunnel) OR *"):
        status, body = await _get(client, "/search", q=q)
        assert status == 200, body
        status, body = await _get(client, "/claims", speaker=q, q=q)
        assert status == 200, body
    status, stats = await _get(client, "/stats")
    assert stats["articles"] == 14
    # an injection attempt only finds articles with all of its words: none
    status, body = await _get(client, "/search", q="harbour' UNION SELECT password FROM users")
    assert status == 200 and body["results"] == []


async def test_a_cursor_from_another_article_is_refused(client: TestClient[Any, Any]) -> None:
    _, body = await _get(client, "/search", q="tunnel")
    ids = [h["id"] for h in body["results"]]
    other = encode_cursor("article_claims", [ids[1], 0])
    status, err = await _get(client, f"/articles/{ids[0]}/claims", cursor=other)
    assert status == 400 and "another article" in err["error"]


async def test_database_outage_is_a_503_with_a_message() -> None:
    name = fresh_pg_database()
    s = open_store(f"postgresql://postgres@127.0.0.1:5432/{name}")
    try:
        async with TestClient(TestServer(_app(s))) as c:
            assert (await c.get("/stats")).status == 200
            drop_pg_database(name)
            for path in ("/stats", "/search?q=x", "/claims?speaker=x", "/stories"):
                resp = await c.get(path)
                assert resp.status == 503
                assert "database unavailable" in (await resp.json())["error"]
    finally:
        s.close()
        drop_pg_database(name)


def test_openapi_documents_every_route() -> None:
    app = _app(open_store("sqlite:///:memory:"))
    routes = {r.resource.canonical for r in app.router.routes()}  # type: ignore[union-attr]
    assert routes - {"/openapi.json"} <= set(OPENAPI["paths"])
    for path in ("/search", "/claims", "/stories", "/stories/{id}", "/articles/{id}/claims"):
        op = OPENAPI["paths"][path]["get"]
        assert "400" in op["responses"] and op["summary"]
