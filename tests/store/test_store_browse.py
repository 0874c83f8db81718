"""Browsing the store over HTTP on both databases: GET /articles without url= (filters, newest
first, keyset pages) and GET /speakers (claim counts, order, q=, keyset pages)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.store.api import api_routes, errors_middleware
from services.store.db import Store
from services.store.listing import since_bounds
from tests.store.fixtures import article, quote, store  # noqa: F401 - store is the fixture

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
SAID = "The new harbour tunnel will open in the spring of next year as planned"


def _stored(store: Store, url: str, hours: float, claims: list[dict[str, Any]] | None = None,
            **fields: Any) -> None:
    event = article(url, f"Body of {url}, a text of its own about {url}.", claims,
                    title=f"Title {url}", fetched_at=T0 + timedelta(hours=hours))
    store.upsert_article(event.model_copy(update=fields))


@pytest.fixture
async def client(store: Store) -> AsyncIterator[TestClient[Any, Any]]:
    # Two outlets with the same quote by Ida Holm (one story); a Norwegian article with a claim
    # by Ola Nordmann; seven articles without claims on other sites.
    _stored(store, "https://one.com/tunnel", 1, [quote(SAID, "Mayor Ida Holm"),
                                                 quote("We are on budget", "Holm")],
            language="en", published="2026-04-20")
    _stored(store, "https://two.net/t", 2, [quote(SAID, "Ida Holm")], language="en",
            published="2026-05-01")
    _stored(store, "https://nytt.no/a", 3, [quote("Vi bygger broen", "Ola Nordmann")],
            language="no")
    for i in range(6):
        _stored(store, f"https://plain{i}.org/x", -i - 1, language="en")
    _stored(store, "https://plain6.org/x", -7, language="en", published="2026-05-03")
    async with TestClient(TestServer(_app(store))) as c:
        yield c


def _app(store: Store) -> web.Application:
    app = web.Application(middlewares=[errors_middleware])
    app.add_routes(api_routes(store))
    return app


async def _get(client: TestClient[Any, Any], path: str, **params: str) -> Any:
    resp = await client.get(path, params=params)
    assert resp.status == 200, await resp.text()
    return orjson.loads(await resp.read())


async def _all(client: TestClient[Any, Any], path: str, **params: str) -> list[Any]:
    """Every item of a list, page by page through next_cursor."""
    items: list[Any] = []
    cursor = None
    while True:
        body = await _get(client, path, **params, **({"cursor": cursor} if cursor else {}))
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def test_articles_newest_first_in_keyset_pages(client: TestClient[Any, Any]) -> None:
    first = await _get(client, "/articles")
    assert len(first["items"]) == 10 and first["next_cursor"] is None
    assert [a["url"] for a in first["items"][:3]] == [
        "https://nytt.no/a", "https://two.net/t", "https://one.com/tunnel"]
    fetched = [a["fetched_at"] for a in first["items"]]
    assert fetched == sorted(fetched, reverse=True)
    paged = await _all(client, "/articles", limit="3")
    assert [a["id"] for a in paged] == [a["id"] for a in first["items"]]
    tunnel = first["items"][2]
    assert tunnel == {
        "id": tunnel["id"], "url": "https://one.com/tunnel",
        "canonical_url": "https://one.com/tunnel", "title": "Title https://one.com/tunnel",
        "site": "one.com", "language": "en", "published": "2026-04-20",
        "fetched_at": "2026-05-01T13:00:00+00:00", "claims_count": 2,
        "story_id": tunnel["story_id"], "duplicate_of": None}
    assert tunnel["story_id"] and tunnel["story_id"] == first["items"][1]["story_id"]


async def test_articles_filters(client: TestClient[Any, Any]) -> None:
    async def urls(**params: str) -> list[str]:
        return [a["url"] for a in await _all(client, "/articles", limit="2", **params)]

    assert await urls(site="two.net") == ["https://two.net/t"]
    assert await urls(site="TWO.net") == ["https://two.net/t"]
    assert await urls(language="no") == ["https://nytt.no/a"]
    assert await urls(has_claims="true") == [
        "https://nytt.no/a", "https://two.net/t", "https://one.com/tunnel"]
    assert len(await urls(has_claims="false")) == 7
    story = (await _get(client, "/articles", site="one.com"))["items"][0]["story_id"]
    assert await urls(story_id=story) == ["https://two.net/t", "https://one.com/tunnel"]
    # since: fetched at or after the moment (13:00 is one.com's fetch, to the microsecond) ...
    # (plain6, fetched before all of them, says it was published on May 3rd)
    assert await urls(since="2026-05-01T13:00:00Z") == [
        "https://nytt.no/a", "https://two.net/t", "https://one.com/tunnel",
        "https://plain6.org/x"]
    assert await urls(since="2026-05-01T13:00:00.000001+00:00") == [
        "https://nytt.no/a", "https://two.net/t", "https://plain6.org/x"]
    # ... or published at or after it: two.net's bare date, May 1st, is before 14:30 that day
    assert await urls(since="2026-05-01T14:30:00+00:00") == [
        "https://nytt.no/a", "https://plain6.org/x"]
    assert len(await urls(since="2026-05-01")) == 10
    # a bare date is that day's midnight: published "2026-05-03" is on or after May 2nd
    assert await urls(since="2026-05-02") == ["https://plain6.org/x"]
    assert await urls(since="2026-05-04") == []
    assert await urls(site="one.com", has_claims="false") == []
    # empty fields (a form left blank) filter nothing
    assert len(await urls(site="", language="", story_id="", has_claims="")) == 10


def test_since_bounds_use_the_stored_shapes() -> None:
    assert since_bounds(datetime(2026, 5, 1)) == ("2026-05-01T00:00:00+00:00", "2026-05-01")
    assert since_bounds(datetime(2026, 5, 1, 14, 30, tzinfo=UTC)) == (
        "2026-05-01T14:30:00+00:00", "2026-05-01T14:30:00+00:00")
    cet = timezone(timedelta(hours=1))
    assert since_bounds(datetime(2026, 5, 1, 1, 0, tzinfo=cet)) == (
        "2026-05-01T00:00:00+00:00", "2026-05-01")


async def test_speakers_by_claim_count_then_name(client: TestClient[Any, Any]) -> None:
    body = await _get(client, "/speakers")
    assert body["next_cursor"] is None
    assert body["items"] == [
        {"speaker": "Mayor Ida Holm", "speaker_name": "Ida Holm", "claims": 3, "sites": 2,
         "latest": "2026-05-01T14:00:00.000000Z"},
        {"speaker": "Ola Nordmann", "speaker_name": "Ola Nordmann", "claims": 1, "sites": 1,
         "latest": "2026-05-01T15:00:00.000000Z"}]
    assert await _all(client, "/speakers", limit="1") == body["items"]
    # q= is /claims?speaker=: a speaker's count is what that search lists
    for q in ("holm", "IDA", "nordmann", "ida holm"):
        speakers = (await _get(client, "/speakers", q=q))["items"]
        claims = (await _get(client, "/claims", speaker=q))["claims"]
        assert sum(s["claims"] for s in speakers) == len(claims) > 0, q
    # two.net's "Ida Holm" says what one.com's "Mayor Ida Holm" says: resolved to the fuller
    # name across outlets, so "mayor" finds both
    assert (await _get(client, "/speakers", q="mayor"))["items"] == [body["items"][0]]
    assert (await _get(client, "/speakers", q="nobody"))["items"] == []
