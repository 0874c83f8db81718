"""Cross-outlet linking on both databases: a fragment quoted by one outlet and the full
sentence by another, the same statement in other words, speaker spans that dragged in a verb
or a modifier, and the confidence filter (the precision knob)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.store.api import api_routes, errors_middleware
from services.store.db import Store
from tests.store.fixtures import article, quote, store

__all__ = ["store"]

FULL = ("We will have a deal with China in the not-too-distant future, and it will be a great "
        "deal for our farmers")
FRAGMENT = 'a trade deal would come \u201cin the not-too-distant future,\u201d'


def _claims(s: Store, art: Any) -> list[dict[str, Any]]:
    return s.article_claims(art.article_id, None, 100)  # type: ignore[no-any-return]


@pytest.mark.parametrize("fragment_first", [False, True])
def test_a_fragment_and_the_full_quote_link_across_outlets(store: Store,
                                                          fragment_first: bool) -> None:
    full = article("https://gazette.example/trade", "Body one about trade talks.", [
        quote(FULL, "President Trump undercut")])
    fragment = article("https://courier.example/trade", "Another body on the trade talks.", [
        quote(FRAGMENT, "Trump himself", kind="statement", direct=False),
        quote("The deal would be signed in Beijing next spring", "Trump himself",
              kind="statement", direct=False)])
    for art in ((fragment, full) if fragment_first else (full, fragment)):
        store.upsert_article(art)
    full_claims, frag_claims = _claims(store, full), _claims(store, fragment)
    assert [(c["article_id"], c["claim_index"], c["match"])
            for c in full_claims[0]["corroborated_by"]] == [(fragment.article_id, 0, "quote")]
    assert [c["article_id"] for c in frag_claims[0]["corroborated_by"]] == [full.article_id]
    assert frag_claims[1]["corroborated_by"] == []  # another statement by the same person


def test_the_same_statement_in_other_words_links_as_a_paraphrase(store: Store) -> None:
    a = article("https://gazette.example/bank", "A body about the bank.", [
        quote("the bank must return the money it took from customers through fake accounts",
              "Senator Elizabeth Warren", kind="statement", direct=False),
        quote("the hearing would continue next week", "Senator Elizabeth Warren",
              kind="statement", direct=False)])
    b = article("https://courier.example/bank", "Another body about the bank.", [
        quote("the bank has to give back money taken from its customers with fake accounts",
              "Warren", kind="statement", direct=False),
        # same words, another speaker: not corroboration
        quote("the bank must return the money it took from customers through fake accounts",
              "John Stumpf", kind="statement", direct=False)])
    store.upsert_article(a)
    store.upsert_article(b)
    a_claims, b_claims = _claims(store, a), _claims(store, b)
    assert [(c["article_id"], c["claim_index"], c["match"])
            for c in a_claims[0]["corroborated_by"]] == [(b.article_id, 0, "paraphrase")]
    assert b_claims[0]["corroborated_by"][0]["article_id"] == a.article_id
    assert a_claims[1]["corroborated_by"] == [] and b_claims[1]["corroborated_by"] == []
    # the fuller name travels across the link
    assert b_claims[0]["speaker"] == "Senator Elizabeth Warren"


def _confident(s: Store) -> Any:
    art = article("https://gazette.example/conf", "Body.", [
        quote("A sure quote from the minister", "Anna Berg", confidence=0.92),
        quote("A doubtful attribution of something", "Anna Berg", confidence=0.31),
        quote("A claim stored before confidence existed", "Anna Berg")])
    s.upsert_article(art)
    return art


def test_min_confidence_keeps_only_claims_at_least_that_sure(store: Store) -> None:
    art = _confident(store)
    every = store.article_claims(art.article_id, None, 100)
    assert [c["confidence"] for c in every] == [pytest.approx(0.92), pytest.approx(0.31), None]
    sure = store.article_claims(art.article_id, None, 100, 0.5)
    assert [c["text"] for c in sure] == ["A sure quote from the minister"]
    assert [c["text"] for c in store.find_claims(speaker="berg", min_confidence=0.3)] == [
        "A sure quote from the minister", "A doubtful attribution of something"]


async def test_the_api_filters_by_confidence_and_refuses_a_bad_knob(store: Store) -> None:
    art = _confident(store)
    app = web.Application(middlewares=[errors_middleware])
    app.add_routes(api_routes(store))
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/claims", params={"speaker": "Berg", "min_confidence": "0.9"})
        assert resp.status == 200
        assert [c["confidence"] for c in (await resp.json())["claims"]] == [
            pytest.approx(0.92)]
        resp = await client.get(f"/articles/{art.article_id}/claims",
                                params={"min_confidence": "0.5"})
        assert len((await resp.json())["claims"]) == 1
        for bad in ("1.5", "-0.1", "often", "nan"):
            resp = await client.get("/claims", params={"min_confidence": bad})
            assert resp.status == 400, bad
