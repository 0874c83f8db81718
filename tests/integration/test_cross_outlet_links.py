"""Issue 18's acceptance check, on the real pipeline with the PostgreSQL store: one outlet
quotes a full sentence of the president's, another only a fragment of it inside its own
sentence, and each names him differently ("President Trump", "Trump himself"). The two claims
must be linked in ``corroborated_by``, both ways, and another statement by the same speaker
must not be."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from newswire.demo import SiteServer
from newswire.submit import submit_urls
from newswire.urls import article_id, canonicalize
from tests.store.fixtures import drop_pg_database, fresh_pg_database
from tests.store.outlets import Outlet, outlet_app
from tests.tools.pipeline import Pipeline, start_pipeline

pytestmark = pytest.mark.integration

FULL = ("We will have a deal with China in the not-too-distant future, and it will be a great "
        "deal for our farmers")
FRAGMENT = "in the not-too-distant future"
LEDGER = Outlet("The Prairie Ledger", "trade-talks", "White House sees progress on trade", (
    "The White House said on Tuesday that talks with Beijing had made progress after months "
    "of tariffs on both sides.",
    f"\u201c{FULL},\u201d President Trump told reporters in the Oval Office, where he had just "
    "welcomed the Japanese prime minister. \u201cNobody thought it was possible.\u201d",
    "Soybean prices rose two percent on the news, according to traders in Chicago.",
))
COURANT = Outlet("The River Courant", "farmers-wait", "Iowa farmers wait for a trade deal", (
    "Farm groups in Iowa welcomed the signal from Washington on Wednesday, though many said "
    "the spring planting decisions could not wait much longer.",
    f"Trump himself said a trade deal would come \u201c{FRAGMENT},\u201d but gave no date.",
    "Exports of soybeans to China fell by half last year, the agriculture department said.",
))


@pytest.fixture(scope="module")
def two_outlets() -> Iterator[list[str]]:
    servers = [SiteServer(outlet_app(o), host=h)
               for o, h in ((LEDGER, "127.0.0.4"), (COURANT, "127.0.0.5"))]
    urls = [s.start() + o.path for s, o in zip(servers, (LEDGER, COURANT), strict=True)]
    try:
        yield urls
    finally:
        for s in servers:
            s.stop()


@pytest.fixture(scope="module")
def pg_pipeline(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    name = fresh_pg_database()
    pipe = start_pipeline(broker, tmp_path_factory.mktemp("links-pipeline"),
                          NEWSWIRE_STORE__URL=f"postgresql://postgres@127.0.0.1:5432/{name}")
    try:
        yield pipe
    finally:
        pipe.supervisor.stop()
        drop_pg_database(name)


def _claims(pipe: Pipeline, aid: str) -> list[dict[str, Any]]:
    resp = httpx.get(f"{pipe.api}/articles/{aid}/claims", timeout=10)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["claims"])


def test_a_fragment_and_the_full_quote_are_linked_across_outlets(
        pg_pipeline: Pipeline, two_outlets: list[str]) -> None:
    pipe = pg_pipeline
    result = asyncio.run(submit_urls(pipe.settings, two_outlets))
    assert not result.rejected
    for url in two_outlets:
        assert pipe.wait_for(url)["status"] == "ok"
    ledger, courant = (article_id(canonicalize(u)) for u in two_outlets)

    full = [c for c in _claims(pipe, ledger) if "not-too-distant future, and it" in c["text"]]
    fragment = [c for c in _claims(pipe, courant) if FRAGMENT in c["text"]]
    assert full and fragment, (full, fragment)
    # every claim carrying the fragment is linked to the full sentence's claim, and back
    for claim in fragment:
        assert claim["speaker"] and "Trump" in claim["speaker"], claim
        assert {(x["article_id"], x["match"]) for x in claim["corroborated_by"]} == {
            (ledger, "quote")}, claim
    back = {x["article_id"] for c in full for x in c["corroborated_by"]}
    assert back == {courant}
    # the confidence knob is there on every claim and filters on the same data
    every = _claims(pipe, courant)
    assert all(c["confidence"] is None or 0 <= c["confidence"] <= 1 for c in every)
    # another statement by another speaker in the same article is not linked
    exports = [c for c in every if c["text"].startswith("Exports of soybeans")]
    assert all(c["corroborated_by"] == [] for c in exports)
