"""Checked from outside, on the real pipeline with the PostgreSQL store: two outlets on two
hosts report the same story quoting the same person, a third reprints one of them; then the
database goes away and comes back while URLs are in flight."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from newswire.status import collect_status
from newswire.urls import article_id, canonicalize
from tests.conftest import Pipeline, start_pipeline
from tests.store.fixtures import drop_pg_database, fresh_pg_database
from tests.store.outlets import COURIER, GAZETTE, REPRINT, SHARED_QUOTE

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pg_pipeline(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    name = fresh_pg_database()
    pipe = start_pipeline(broker, tmp_path_factory.mktemp("pg-pipeline"),
                          NEWSWIRE_STORE__URL=f"postgresql://postgres@127.0.0.1:5432/{name}",
                          NEWSWIRE_STORE__RETRY_SECONDS="0.5")
    try:
        yield pipe
    finally:
        pipe.supervisor.stop()
        drop_pg_database(name)


def _get(pipe: Pipeline, path: str, **params: str) -> Any:
    resp = httpx.get(f"{pipe.api}{path}", params=params, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _settle(pipe: Pipeline, ingested_at_least: float, timeout: float = 60) -> None:
    """Wait until ingest has consumed that many records and no stage has anything left."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = asyncio.run(collect_status(pipe.settings))
        services = status["services"]
        if services["ingest"].get("consumed", 0) >= ingested_at_least and all(
                services[s].get("lag") == 0 for s in ("ingest", "extract", "store")):
            return
        time.sleep(0.5)
    raise AssertionError(f"pipeline did not settle: {status}")


def _enriched_events(pipe: Pipeline) -> list[dict[str, Any]]:
    """`newswire tail news.article.enriched -o beginning -e`, as a user runs it."""
    topic = pipe.settings.kafka.namespace + "news.article.enriched"
    proc = subprocess.run([sys.executable, "-m", "newswire.cli", "tail", topic, "-o",
                           "beginning", "-e"], env=pipe.env, capture_output=True, text=True,
                          timeout=60, cwd=os.getcwd())
    assert proc.returncode == 0, proc.stderr
    return [orjson.loads(line) for line in proc.stdout.splitlines()]


def test_two_outlets_same_quote_search_speaker_corroboration_and_replay(
        pg_pipeline: Pipeline, outlets: dict[str, str]) -> None:
    pipe = pg_pipeline
    gazette, courier, reprint = (outlets[o.slug] for o in (GAZETTE, COURIER, REPRINT))
    pipe.submit(gazette, courier)
    for url in (gazette, courier):
        assert pipe.wait_for(url)["status"] == "ok"
    pipe.submit(reprint)  # after the original, so the reprint is the duplicate
    assert pipe.wait_for(reprint)["status"] == "ok"
    ids = {url: article_id(canonicalize(url)) for url in (gazette, courier, reprint)}

    # /search finds each article once
    hits = _get(pipe, "/search", q="harbour bridge")["results"]
    assert sorted(h["id"] for h in hits) == sorted(ids.values())

    # /claims?speaker=<surname>: her claims, with the full resolved name, from both outlets
    claims = _get(pipe, "/claims", speaker="Berg")["claims"]
    shared = [c for c in claims if SHARED_QUOTE.lower() in c["text"].lower()]
    by_article = {c["article_id"]: c for c in shared}
    assert set(by_article) == {ids[gazette], ids[courier], ids[reprint]}
    for c in shared:
        assert c["speaker"] == "Transport Commissioner Anna Berg", c
        assert c["speaker_name"] == "Anna Berg"
    # the shared quote on one page lists the other page; the reprint is not corroboration
    g, k = by_article[ids[gazette]], by_article[ids[courier]]
    assert [(x["article_id"], x["url"]) for x in g["corroborated_by"]] == [
        (ids[courier], canonicalize(courier))]
    assert [(x["article_id"], x["url"]) for x in k["corroborated_by"]] == [
        (ids[gazette], canonicalize(gazette))]
    assert by_article[ids[reprint]]["corroborated_by"] == []
    reprinted = _get(pipe, f"/articles/{ids[reprint]}")
    assert reprinted["duplicate_of"] == ids[gazette]
    # the three articles are one story across three outlets
    (story,) = _get(pipe, "/stories")["stories"]
    detail = _get(pipe, f"/stories/{story['id']}")
    assert {a["id"] for a in detail["articles"]} == set(ids.values())
    assert story["site_count"] == 3

    # resubmitting both URLs changes no count, no version, no link
    stats = _get(pipe, "/stats")
    before = _enriched_events(pipe)
    consumed = asyncio.run(collect_status(pipe.settings))["services"]["ingest"]["consumed"]
    pipe.submit(gazette, courier)
    _settle(pipe, consumed + 2)
    assert _get(pipe, "/stats") == stats
    for url in (gazette, courier):
        assert _get(pipe, f"/articles/{ids[url]}")["version"] == 1
    again = _get(pipe, "/claims", speaker="Berg")["claims"]
    assert [c["corroborated_by"] for c in again] == [c["corroborated_by"] for c in claims]
    # the public stream: keyed by article id, one event per article (the resubmissions were
    # recognised as known URLs by ingest, so nothing new was fetched or published)
    time.sleep(3)  # anything a resubmission had set moving would have reached the topic by now
    after = _enriched_events(pipe)
    assert {e["article_id"] for e in after} == set(ids.values())
    hashes = {(e["article_id"], e["content_hash"]) for e in after}
    assert len(hashes) == 3
    assert len(after) == len(before) == 3


def _metric(pipe: Pipeline, name: str, **labels: str) -> float:
    text = httpx.get(pipe.settings.metrics_urls()["store"], timeout=5).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def _pg_ctl(action: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", action,
                    *(["-m", "fast"] if action == "stop" else [])],
                   check=True, capture_output=True, timeout=60)


def _pg_up() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-t", "1"],
                          capture_output=True).returncode == 0


def test_database_outage_pauses_the_store_and_it_catches_up(
        pg_pipeline: Pipeline, news_site: str) -> None:
    """Stop PostgreSQL while articles are in flight: the store keeps retrying the same
    records (nothing acked, nothing sent to the DLQ), and stores them all once it is back."""
    pipe = pg_pipeline
    from newswire.demo.site import ARTICLES

    urls = [f"{news_site}/news/{a.slug}" for a in ARTICLES[:3]]
    pipe.submit(urls[0])
    assert pipe.wait_for(urls[0])["status"] == "ok"
    articles_before = _get(pipe, "/stats")["articles"]
    dlq_before = _metric(pipe, "newswire_dlq_total")
    retried_before = _metric(pipe, "newswire_events_total", stage="store", outcome="retried")
    _pg_ctl("stop")
    try:
        pipe.submit(*urls[1:])
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and _metric(
                pipe, "newswire_events_total", stage="store", outcome="retried") \
                <= retried_before:
            time.sleep(0.3)
        assert _metric(pipe, "newswire_events_total", stage="store",
                       outcome="retried") > retried_before, "the store never hit the outage"
        assert httpx.get(f"{pipe.api}/stats", timeout=10).status_code == 503
    finally:
        _pg_ctl("start")
    deadline = time.monotonic() + 30
    while not _pg_up() and time.monotonic() < deadline:
        time.sleep(0.2)
    for url in urls[1:]:
        assert pipe.wait_for(url, timeout=90)["status"] == "ok"
    assert _get(pipe, "/stats")["articles"] == articles_before + 2
    assert _metric(pipe, "newswire_dlq_total") == dlq_before
    failures = _get(pipe, "/failures", limit="1000")["failures"]
    assert not [f for f in failures if f["url"] in {canonicalize(u) for u in urls}]




def test_control_characters_in_raw_events_end_as_failures_with_a_reason(
        pg_pipeline: Pipeline, news_site: str) -> None:
    """Raw events that skipped `newswire submit`: a NUL in a submitted URL and in an enriched
    article's URL become invalid_url failures, a NUL in an article's text is stored as
    U+FFFD; nothing is an internal_error and nothing is written to a DLQ of a DLQ."""
    from aiokafka import AIOKafkaProducer
    from aiokafka.admin import AIOKafkaAdminClient

    from newswire.events import UrlSubmitted, encode
    from tests.store.fixtures import article

    pipe = pg_pipeline
    ns = pipe.settings.kafka.namespace
    bad_submit = f"{news_site}/news/nul\x00b"
    bad_article = article("https://nul.example/a\x00b", "Body.")
    nul_text = article("https://nul.example/text", "Body with a \x00 in it.")
    records = [
        (f"{ns}news.url.submitted",
         encode(UrlSubmitted(submitted_url=bad_submit, url=bad_submit))),
        (f"{ns}news.article.enriched", encode(bad_article)),
        (f"{ns}news.article.enriched", encode(nul_text)),
    ]

    async def produce() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=pipe.settings.kafka.servers, acks="all")
        await producer.start()
        try:
            for topic, value in records:
                await producer.send_and_wait(topic, value=value, key=b"nul")
        finally:
            await producer.stop()

    async def topics() -> list[str]:
        admin = AIOKafkaAdminClient(bootstrap_servers=pipe.settings.kafka.servers)
        await admin.start()
        try:
            return list(await admin.list_topics())
        finally:
            await admin.close()

    asyncio.run(produce())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        failures = _get(pipe, "/failures", limit="1000")["failures"]
        reasons = sorted(f["reason"] for f in failures if "nul" in (f["url"] or ""))
        stored = httpx.get(f"{pipe.api}/articles/{nul_text.article_id}", timeout=10)
        if len(reasons) >= 2 and stored.status_code == 200:
            break
        time.sleep(0.5)
    assert reasons == ["invalid_url", "invalid_url"], failures
    assert stored.json()["text"] == "Body with a \ufffd in it."
    assert not [f for f in failures if f["reason"] == "internal_error"], failures
    assert not [t for t in asyncio.run(topics()) if t.startswith(ns) and t.endswith(".dlq.dlq")]
