"""Issue 4 acceptance, checked from outside: a loopback site with an RSS feed and a Google
News sitemap listing overlapping articles (some with tracking parameters), robots.txt, an item
on a refused loopback address, PER_DOMAIN_RPS=5; then a restart of ingest with the site's
feed configured for polling."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from newswire.demo import SiteServer
from newswire.urls import article_id, canonicalize
from tests.ingest.ingest_site import (
    ConnectionCounter,
    SiteLog,
    ingest_site,
    max_in_window,
    rss,
    sitemap,
)
from tests.tools.pipeline import Pipeline, start_pipeline

pytestmark = pytest.mark.integration

DOCS = ("/feed.xml", "/sitemap.xml", "/feed2.xml")


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[str, SiteLog, dict[str, tuple[str, str]]]]:
    log = SiteLog()
    docs: dict[str, tuple[str, str]] = {}
    server = SiteServer(ingest_site(log, docs))
    base = server.start()
    try:
        yield base, log, docs
    finally:
        server.stop()


@pytest.fixture(scope="module")
def refused() -> Iterator[ConnectionCounter]:
    counter = ConnectionCounter("127.0.0.2")
    try:
        yield counter
    finally:
        counter.close()


@pytest.fixture(scope="module")
def pipe(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    pipe = start_pipeline(broker, tmp_path_factory.mktemp("ingest-acceptance"),
                          NEWSWIRE_INGEST__ALLOW_NETWORKS="127.0.0.1/32",
                          NEWSWIRE_INGEST__PER_DOMAIN_RPS="5",
                          NEWSWIRE_INGEST__RETRY_BASE_SECONDS="0.2")
    try:
        yield pipe
    finally:
        pipe.supervisor.stop()


def cli(pipe: Pipeline, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newswire.cli", *args], env=pipe.env,
                          capture_output=True, text=True, timeout=60, cwd=os.getcwd())


def metric(pipe: Pipeline, service: str, sample: str) -> float:
    text = httpx.get(pipe.settings.metrics_urls()[service], timeout=5).text
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def wait_until(check, timeout: float = 60, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"not within {timeout}s: {what}")


def test_feed_and_sitemap_are_ingested_once_politely_and_safely(
        pipe: Pipeline, site: tuple[str, SiteLog, dict[str, tuple[str, str]]],
        refused: ConnectionCounter) -> None:
    base, log, docs = site
    blocked_url = f"http://127.0.0.2:{refused.port}/news/story-99"
    feed_paths = [f"/news/story-{i}" + ("?utm_source=rss&utm_medium=feed" if i % 2 else "")
                  for i in range(12)] + ["/private/secret"]
    docs["/feed.xml"] = ("application/rss+xml",
                         rss(base, feed_paths).replace("</channel>",
                                                       f"<item><link>{blocked_url}</link></item>"
                                                       "</channel>"))
    docs["/sitemap.xml"] = ("application/xml", sitemap(
        base, [f"/news/story-{i}" + ("?fbclid=abc#top" if i % 3 == 0 else "")
               for i in range(6, 20)], news=True))

    proc = cli(pipe, "discover", f"{base}/feed.xml", f"{base}/sitemap.xml")
    assert proc.returncode == 0, proc.stderr
    assert "found 22 article URL(s), submitted 22" in proc.stderr

    ids = set()
    for i in range(20):
        url = f"{base}/news/story-{i}?utm_campaign=lookup"
        art = pipe.wait_for(url, timeout=90)
        assert art["status"] == "ok", art
        assert art["canonical_url"] == canonicalize(f"{base}/news/story-{i}")
        assert art["id"] == article_id(str(art["canonical_url"]))
        ids.add(art["id"])
    assert len(ids) == 20
    assert httpx.get(f"{pipe.api}/stats").json()["articles"] == 20
    # every page fetched exactly once, although 6 were listed twice and under other spellings
    assert {i: log.count(f"/news/story-{i}") for i in range(20)} == dict.fromkeys(range(20), 1)

    robots = pipe.wait_for(f"{base}/private/secret")
    assert (robots["status"], robots["stage"], robots["reason"]) == ("failed", "ingest",
                                                                      "robots")
    assert log.count("/private/secret") == 0
    blocked = pipe.wait_for(blocked_url)
    assert (blocked["status"], blocked["reason"]) == ("failed", "blocked_address")
    assert refused.accepted == 0

    assert log.count("/robots.txt") == 1
    assert log.count("/feed.xml") == 1 and log.count("/sitemap.xml") == 1
    # PER_DOMAIN_RPS=5: at most 6 fetches of the site (pages and robots.txt) in any second
    fetch_times = log.times(exclude=DOCS)
    assert len(fetch_times) == 21
    assert max_in_window(fetch_times) <= 6
    # and the limit was actually the bottleneck: 21 fetches need about 4 seconds
    assert fetch_times[-1] - fetch_times[0] >= 3.5
    assert metric(pipe, "ingest", "newswire_robots_refusals_total") == 1


def test_restart_keeps_dedup_and_the_service_polls_configured_feeds(
        pipe: Pipeline, site: tuple[str, SiteLog, dict[str, tuple[str, str]]]) -> None:
    base, log, docs = site
    if log.count("/news/story-0") != 1:
        pytest.fail("needs the state left by the previous test (run the module)")
    # a feed with 4 known and 3 new articles, polled by ingest every second
    docs["/feed2.xml"] = ("application/rss+xml", rss(
        base, [f"/news/story-{i}?utm_source=poll" for i in (0, 1, 2, 3, 20, 21, 22)]))
    sup = pipe.supervisor
    sup.env["NEWSWIRE_INGEST__FEEDS"] = f"{base}/feed2.xml"
    sup.env["NEWSWIRE_INGEST__POLL_INTERVAL"] = "1"
    child = sup.children["ingest"]
    assert child.proc is not None
    child.proc.terminate()
    child.proc.wait(20)
    def restarted() -> bool:
        sup.poll()
        return child.proc is not None and child.proc.poll() is None

    wait_until(restarted, timeout=20, what="ingest restarted")

    for i in (20, 21, 22):
        assert pipe.wait_for(f"{base}/news/story-{i}", timeout=90)["status"] == "ok"
    wait_until(lambda: metric(pipe, "ingest",
                              'newswire_feed_polls_total{outcome="not_modified"}') >= 2,
               timeout=30, what="conditional re-polls")
    # known articles were not fetched again after the restart, new ones exactly once
    assert [log.count(f"/news/story-{i}") for i in (0, 1, 2, 3, 20, 21, 22)] == [1] * 7
    assert metric(pipe, "ingest", 'newswire_urls_skipped_total{reason="duplicate"}') >= 4

    # discovering the first documents again publishes 22 URLs; none is fetched again
    proc = cli(pipe, "discover", f"{base}/feed.xml", f"{base}/sitemap.xml")
    assert proc.returncode == 0, proc.stderr
    wait_until(lambda: metric(pipe, "ingest",
                              'newswire_urls_skipped_total{reason="duplicate"}') >= 4 + 19,
               timeout=30, what="duplicates skipped")
    assert all(log.count(f"/news/story-{i}") == 1 for i in range(20))

    # --refresh fetches again; the unchanged page is not published as a new version
    proc = cli(pipe, "submit", "--refresh", f"{base}/news/story-5")
    assert proc.returncode == 0, proc.stderr
    wait_until(lambda: log.count("/news/story-5") == 2, timeout=30, what="refresh fetch")
    wait_until(lambda: metric(pipe, "ingest",
                              'newswire_urls_skipped_total{reason="unchanged"}') >= 1,
               timeout=30, what="unchanged refresh")
    art = pipe.wait_for(f"{base}/news/story-5")
    assert art["version"] == 1
    assert httpx.get(f"{pipe.api}/stats").json()["articles"] == 23
    assert Path(child.log_path).exists()


def test_retriable_failures_go_through_the_retry_topic_then_fail_with_their_reason(
        pipe: Pipeline, site: tuple[str, SiteLog, dict[str, tuple[str, str]]]) -> None:
    base, log, _ = site
    flaky, limited, down = (f"{base}/flaky/503-40", f"{base}/flaky/429-41", f"{base}/flaky/down")
    proc = cli(pipe, "submit", flaky, limited, down)
    assert proc.returncode == 0, proc.stderr
    assert pipe.wait_for(flaky, timeout=60)["status"] == "ok"
    assert pipe.wait_for(limited, timeout=60)["status"] == "ok"
    failed = pipe.wait_for(down, timeout=60)
    assert (failed["status"], failed["stage"], failed["reason"]) == ("failed", "ingest",
                                                                      "http_5xx")
    assert "after 2 attempts" in str(failed["detail"])
    # NEWSWIRE_INGEST__RETRIES=1: two attempts each, never more
    assert [log.count(p) for p in ("/flaky/503-40", "/flaky/429-41", "/flaky/down")] == [2] * 3
    with log.lock:
        limited_times = [t for t, p in log.requests if p == "/flaky/429-41"]
    assert limited_times[1] - limited_times[0] >= 0.95  # Retry-After: 1 honoured
    assert metric(pipe, "ingest", 'newswire_fetch_retries_total{reason="http_5xx"}') >= 2
    assert metric(pipe, "ingest", 'newswire_fetch_retries_total{reason="http_429"}') >= 1
