"""Hostile input on the real pipeline: every pathological response ends recorded as failed with
a reason within its budget, while ordinary pages keep flowing, the metrics endpoints keep
answering, and no service process grows past 1.5 GB RSS. Malformed and oversized events on
every topic end as failures too, without stalling their partitions."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
import zlib
from collections.abc import Iterator

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaProducer

from newswire.demo import SiteServer
from newswire.submit import submit_urls
from newswire.urls import article_id, canonicalize
from tests.tools.chaos.checker import check, poll_accounted
from tests.tools.chaos.hostile import HOSTILE, hostile_app
from tests.tools.chaos.loadsite import articles, load_app
from tests.tools.chaos.rss import RssMonitor
from tests.tools.chaos.runner import run_chaos
from tests.tools.pipeline import Pipeline, Poller, Sites, start_pipeline

pytestmark = pytest.mark.chaos

# Pages whose parse runs past the 20 s budget: the parser process is killed, which today also
# stops the extract service and loses the record (see test_over_budget_page_...).
# A million <p> took 16 s on an idle machine (under the budget: empty_extraction), so the
# page that must run over it is three times as large.
OVER_BUDGET = ("/three-million-p", "/attributes")

TOTAL_TIMEOUT = 10.0  # NEWSWIRE_INGEST__TOTAL_TIMEOUT in start_pipeline
BUDGET = {"ingest": 2 * TOTAL_TIMEOUT + 25.0, "extract": 90.0}  # seconds per hostile URL
GB = 1.5 * 2**30


@pytest.fixture(scope="module")
def hostile_site() -> Iterator[str]:
    server = SiteServer(hostile_app(), host="127.0.0.10")
    base = server.start()
    try:
        yield base
    finally:
        server.stop()


@pytest.fixture(scope="module")
def normal_site() -> Iterator[tuple[list, list[str]]]:
    items = articles(60, seed=88)
    with Sites(lambda: load_app(items), hosts=2, first=20) as bases:
        yield items, bases


@pytest.fixture(scope="module")
def pipe(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    pipeline = start_pipeline(broker, tmp_path_factory.mktemp("hostile"),
                              NEWSWIRE_LOG_LEVEL="warning")
    try:
        yield pipeline
    finally:
        pipeline.supervisor.stop()


class MetricsProbe:
    """GET /metrics of every service twice a second; keeps the slowest answer per service."""

    def __init__(self, pipe: Pipeline) -> None:
        self.urls = pipe.settings.metrics_urls()
        self.slowest = dict.fromkeys(self.urls, 0.0)
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=5, trust_env=False) as client:
            while not self._stop.is_set():
                for name, url in self.urls.items():
                    started = time.perf_counter()
                    try:
                        client.get(url).raise_for_status()
                    except httpx.HTTPError as exc:
                        self.failures.append(f"{name}: {exc!r}")
                    self.slowest[name] = max(self.slowest[name],
                                             time.perf_counter() - started)
                self._stop.wait(0.5)

    def __enter__(self) -> MetricsProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)


@pytest.mark.timeout(300)
def test_hostile_pages_fail_with_reasons_while_others_flow(
        pipe: Pipeline, hostile_site: str, normal_site: tuple[list, list[str]]) -> None:
    items, bases = normal_site
    hostile = {f"{hostile_site}{path}": path for path in HOSTILE if path not in OVER_BUDGET}
    normal = [f"{bases[i % len(bases)]}/news/{a.slug}" for i, a in enumerate(items)]
    with RssMonitor(pipe.supervisor.pids) as rss, Poller(pipe.supervisor), \
            MetricsProbe(pipe) as probe:
        started = time.monotonic()
        asyncio.run(submit_urls(pipe.settings, list(hostile)))
        time.sleep(1.0)  # the hostile pages are in the fetcher and the parsers first
        asyncio.run(submit_urls(pipe.settings, normal))
        accounted_at: dict[str, float] = {}

        def tick(_: int) -> None:
            now = time.monotonic() - started
            for url in list(results):
                accounted_at.setdefault(url, now)

        results: dict[str, dict] = {}
        deadline = time.monotonic() + 150
        while len(results) < len(hostile) + len(normal) and time.monotonic() < deadline:
            results.update(poll_accounted(pipe.api, [u for u in [*hostile, *normal]
                                                     if u not in results],
                                          time.monotonic() + 1))
            tick(0)
            time.sleep(0.5)
    summary = check(pipe.settings, [*hostile, *normal], results).summary()
    normal_done = max((accounted_at[u] for u in normal if u in accounted_at), default=-1)
    report = {
        "hostile": {path: {"status": results.get(url, {}).get("status"),
                           "stage": results.get(url, {}).get("stage"),
                           "reason": results.get(url, {}).get("reason"),
                           "seconds": round(accounted_at.get(url, -1), 1)}
                    for url, path in hostile.items()},
        "normal_pages": len(normal), "normal_all_stored_after_s": round(normal_done, 1),
        "slowest_metrics_answer_s": {k: round(v, 2) for k, v in probe.slowest.items()},
        "rss": rss.report_mb(), "lost": summary["lost"], "duplicated": summary["duplicated"],
    }
    print("\nhostile input: " + json.dumps(report, indent=1))
    assert summary["lost"] == 0 and summary["duplicated"] == 0, summary
    for url, path in hostile.items():
        if path == "/invalid-utf8":
            continue  # checked by test_invalid_utf8_is_not_stored_as_mojibake
        stage, reasons = HOSTILE[path]
        got = results[url]
        assert got["status"] == "failed", (path, got.get("text", "")[:200])
        assert got["stage"] == stage and got["reason"] in reasons, (path, got)
        assert got["detail"]
        assert accounted_at[url] <= BUDGET[stage], (path, accounted_at[url])
    # ordinary pages flowed meanwhile: all stored, well before the slowest hostile page
    assert all(results[u]["status"] == "ok" for u in normal)
    assert normal_done < 60, normal_done
    assert not probe.failures, probe.failures[:3]
    assert max(probe.slowest.values()) < 2.0, probe.slowest
    for service in rss.peak_process:
        assert rss.peak_process[service] < GB, (service, rss.report_mb())


def _page_event(url: str, html_z: str, size: int) -> bytes:
    return orjson.dumps({"submitted_url": url, "url": url, "final_url": url, "status": 200,
                         "content_type": "text/html", "fetched_at": "2026-01-01T00:00:00Z",
                         "html_z": html_z, "size_bytes": size})


@pytest.mark.timeout(180)
def test_malformed_and_oversized_events_on_every_topic(
        pipe: Pipeline, normal_site: tuple[list, list[str]]) -> None:
    ns = pipe.settings.kafka.namespace
    items, bases = normal_site
    follow_ups = [f"{bases[0]}/news/{items[i].slug}?v=malformed" for i in range(4)]
    aid = article_id(canonicalize(follow_ups[0]))
    bomb_url = "http://127.0.0.10/oversized-event"
    inflates = base64.b64encode(zlib.compress(b"<p>" * (4 * 1024 * 1024), 9)).decode()
    garbage = [
        (f"{ns}news.url.submitted", b"127.0.0.20", b"\xff\xfe not json"),
        (f"{ns}news.url.submitted", b"127.0.0.20", b'{"url": 5}'),
        (f"{ns}news.url.submitted", b"127.0.0.20", b"[" * 500_000),  # deep JSON nesting
        (f"{ns}news.page.fetched", aid.encode(), b'{"schema_version": 1}'),
        (f"{ns}news.page.fetched", aid.encode(), b"\x00" * (3 * 1024 * 1024)),  # 3 MB binary
        (f"{ns}news.page.fetched", aid.encode(), _page_event(bomb_url, inflates, 1)),
        (f"{ns}news.page.fetched", aid.encode(), _page_event(bomb_url + "2", "!!notb64", 1)),
        (f"{ns}news.article.extracted", aid.encode(), b"[1, 2, 3]"),
        (f"{ns}news.article.extracted", aid.encode(),
         orjson.dumps({"article_id": aid, "text": "x" * (3 * 1024 * 1024)})),
        (f"{ns}news.article.enriched", aid.encode(), b'{"article_id": 5}'),
        (f"{ns}news.article.enriched", aid.encode(), b"null"),
    ]

    async def produce() -> list[tuple[str, int, int]]:
        producer = AIOKafkaProducer(bootstrap_servers=pipe.settings.kafka.servers, acks="all",
                                    max_request_size=16 * 1024 * 1024)
        await producer.start()
        try:
            out = []
            for topic, key, value in garbage:
                meta = await producer.send_and_wait(topic, value=value, key=key)
                out.append((topic, meta.partition, meta.offset))
            return out
        finally:
            await producer.stop()

    written = asyncio.run(produce())
    asyncio.run(submit_urls(pipe.settings, follow_ups))
    with Poller(pipe.supervisor):
        results = poll_accounted(pipe.api, follow_ups, time.monotonic() + 90)
        assert all(results[u]["status"] == "ok" for u in follow_ups), results
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            failures = httpx.get(f"{pipe.api}/failures", params={"limit": 1000}).json()
            by_key = {f["key"]: f for f in failures["failures"]}
            rows = [by_key.get(f"{t}:{p}:{o}") or by_key.get(_url_of(g[2]))
                    for (t, p, o), g in zip(written, garbage, strict=True)]
            if all(rows):
                break
            time.sleep(0.5)
    print("\nmalformed events -> failures: " + json.dumps(
        [[t.removeprefix(ns), (r or {}).get("reason")] for (t, _, _), r in zip(written, rows,
                                                                             strict=True)]))
    for (topic, _, _), g, row in zip(written, garbage, rows, strict=True):
        assert row is not None, (topic, g[2][:60])
        # a page event whose html_z is not base64 surfaces as parser_error today (binascii
        # error escapes PageFetched.html); any recorded reason is acceptable there
        allowed = {"malformed_event", "parser_error"} if b"!!notb64" in g[2] \
            else {"malformed_event"}
        assert row["reason"] in allowed, (topic, row)


def _url_of(value: bytes) -> str:
    try:
        return canonicalize(orjson.loads(value)["url"])
    except Exception:  # noqa: BLE001 - garbage has no URL
        return "-"

def _wait_accounted(pipe: Pipeline, url: str, timeout: float) -> dict | None:
    with Poller(pipe.supervisor):
        return poll_accounted(pipe.api, [url], time.monotonic() + timeout).get(url)


@pytest.mark.timeout(180)
def test_over_budget_pages_fail_without_stopping_the_service(
        pipe: Pipeline, hostile_site: str, normal_site: tuple[list, list[str]]) -> None:
    items, bases = normal_site
    over = [f"{hostile_site}{path}" for path in OVER_BUDGET]
    normal = [f"{bases[1]}/news/{a.slug}?v=budget" for a in items[:20]]
    pid = pipe.supervisor.pids()["extract"]
    restarts = pipe.supervisor.children["extract"].restarts
    asyncio.run(submit_urls(pipe.settings, over))
    time.sleep(8)  # both parser processes are busy with the over-budget pages
    asyncio.run(submit_urls(pipe.settings, normal))
    with Poller(pipe.supervisor):
        results = poll_accounted(pipe.api, over + normal, time.monotonic() + 120)
    print(f"\nover-budget pages: {[results.get(u, {}).get('reason') for u in over]}, "
          f"ordinary pages accounted {sum(u in results for u in normal)}/{len(normal)}, "
          f"extract restarts {pipe.supervisor.children['extract'].restarts - restarts}")
    assert all(results.get(u, {}).get("status") == "ok" for u in normal)
    for url in over:
        assert results.get(url, {}).get("reason") in ("extraction_timeout", "worker_crashed")
    assert pipe.supervisor.children["extract"].restarts == restarts
    assert pipe.supervisor.pids()["extract"] == pid


@pytest.mark.timeout(120)
def test_invalid_utf8_is_not_stored_as_mojibake(pipe: Pipeline, hostile_site: str) -> None:
    url = f"{hostile_site}/invalid-utf8"
    asyncio.run(submit_urls(pipe.settings, [url]))
    result = _wait_accounted(pipe, url, 60)
    assert result is not None
    assert result["status"] == "failed", str(result.get("text", ""))[:80]


ACCEPTANCE_HOSTILE = ("/binary", "/endless", "/gzip-bomb", "/trickle", "/million-p", "/deep")


@pytest.mark.timeout(600)
def test_issue_acceptance_news_and_hostile_pages_while_extract_is_killed_three_times(
        pipe: Pipeline, hostile_site: str) -> None:
    """Issue 8's outside check: news pages plus six hostile URLs submitted together while the
    extract service is SIGKILLed three times; everything accounted for within 7 minutes,
    every news page stored exactly once, at least five hostile URLs failed, RSS < 1.5 GB."""
    items = articles(60, seed=4242)  # pages this pipeline has never seen, on new hosts
    run = str(time.monotonic_ns())
    hostile = [f"{hostile_site}{path}?run={run}" for path in ACCEPTANCE_HOSTILE]
    with Sites(lambda: load_app(items), hosts=2, first=40) as bases:
        normal = [f"{bases[i % len(bases)]}/news/{a.slug}" for i, a in enumerate(items)]
        chaos = run_chaos(pipe, [*hostile, *normal], kills_per_service=3,
                          services=("extract",), deadline=420)
    results = chaos.check.results
    summary = chaos.summary()
    hostile_failed = sum(results.get(u, {}).get("status") == "failed" for u in hostile)
    report = {"seconds": round(chaos.seconds, 1), "kills": len(chaos.kills),
              "lost": summary["lost"], "duplicated": summary["duplicated"],
              "recovery_max_s": summary["recovery_max_s"], "hostile_failed": hostile_failed,
              "hostile": {u.split("?")[0].rsplit("/", 1)[1]: (results.get(u, {}).get("stage"),
                                                              results.get(u, {}).get("reason"))
                          for u in hostile},
              "normal_stored": sum(results.get(u, {}).get("status") == "ok" for u in normal),
              "rss": chaos.rss}
    print("\nissue-8 acceptance: " + json.dumps(report))
    assert len(chaos.kills) == 3
    assert summary["lost"] == 0 and chaos.seconds < 420, report
    assert summary["duplicated"] == 0, report
    assert all(results[u]["status"] == "ok" for u in normal), report
    assert hostile_failed >= 5, report
    assert max(r["peak_process_mb"] for r in chaos.rss.values()) < GB / 2**20, report
