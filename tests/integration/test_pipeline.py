"""The real pipeline: embedded broker, three service processes, HTTP over loopback, SQLite."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from newswire.demo.site import ARTICLES
from newswire.submit import submit_urls
from newswire.urls import article_id, canonicalize
from tests.tools.pipeline import Pipeline, start_pipeline

pytestmark = pytest.mark.integration


def submit(pipe: Pipeline, *urls: str) -> list[str]:
    result = asyncio.run(submit_urls(pipe.settings, urls))
    assert not result.rejected
    return result.submitted


async def _dlq_records(pipe: Pipeline, topic: str) -> list[tuple[bytes | None, dict[str, bytes]]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=pipe.settings.kafka.servers,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        end = (await consumer.end_offsets([tp]))[tp]
        out = []
        while await consumer.position(tp) < end:
            batch = await consumer.getmany(tp, timeout_ms=1000)
            for record in batch.get(tp, []):
                out.append((record.value, dict(record.headers)))
        return out
    finally:
        await consumer.stop()


def test_submitted_urls_become_stored_articles(pipeline: Pipeline, news_site: str) -> None:
    urls = [f"{news_site}/news/{a.slug}?utm_source=test&fbclid=x" for a in ARTICLES[:4]]
    submit(pipeline, *urls)
    for url, demo in zip(urls, ARTICLES[:4], strict=True):
        art = pipeline.wait_for(url)
        assert art["status"] == "ok", art
        assert art["title"] == demo.title
        assert demo.paragraphs[0] in str(art["text"])
        # boilerplate is not part of the article
        assert "newsletter" not in str(art["text"])
        assert art["canonical_url"] == canonicalize(f"{news_site}/news/{demo.slug}")
        assert art["id"] == article_id(str(art["canonical_url"]))
        assert art["author"] == demo.author
        assert str(art["published"]).startswith(demo.published)
        # any spelling of the URL finds the same article
        other = httpx.get(f"{pipeline.api}/articles",
                          params={"url": f"{news_site.upper()}/news/{demo.slug}#top"}).json()
        assert other["id"] == art["id"]
        by_id = httpx.get(f"{pipeline.api}/articles/{art['id']}").json()
        assert by_id["text"] == art["text"]
    stats = httpx.get(f"{pipeline.api}/stats").json()
    assert stats["articles"] >= 4


def test_resubmitting_is_idempotent(pipeline: Pipeline, news_site: str) -> None:
    url = f"{news_site}/news/{ARTICLES[4].slug}"
    submit(pipeline, url)
    first = pipeline.wait_for(url)
    before = httpx.get(f"{pipeline.api}/stats").json()["articles"]
    submit(pipeline, url, url + "?utm_campaign=again")
    # wait until both resubmissions went through the pipeline, then compare
    deadline = 30.0
    import time

    end = time.monotonic() + deadline
    while time.monotonic() < end:
        metrics = httpx.get(pipeline.settings.metrics_urls()["store"]).text
        if _counter(metrics, 'newswire_events_total{outcome="ok",reason="none",stage="store"}') \
                >= 2 + _stored_before(first):
            break
        time.sleep(0.5)
    after = httpx.get(f"{pipeline.api}/stats").json()["articles"]
    assert after == before
    again = pipeline.wait_for(url)
    assert again["id"] == first["id"] and again["version"] == 1


def _stored_before(_: object) -> int:
    return 0


def _counter(text: str, sample: str) -> float:
    for line in text.splitlines():
        if line.startswith(sample):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.parametrize(("path", "stage", "reason"), [
    ("/news/no-such-story", "ingest", "http_4xx"),
    ("/report.pdf", "ingest", "not_html"),
    ("/gallery", "extract", "empty_extraction"),
])
def test_failures_are_recorded_with_stage_and_reason(
        pipeline: Pipeline, news_site: str, path: str, stage: str, reason: str) -> None:
    url = f"{news_site}{path}"
    submit(pipeline, url)
    result = pipeline.wait_for(url)
    assert result["status"] == "failed"
    assert (result["stage"], result["reason"]) == (stage, reason)
    assert result["detail"]
    source = (pipeline.settings.kafka.namespace
              + ("news.url.submitted" if stage == "ingest" else "news.page.fetched"))
    records = asyncio.run(_dlq_records(pipeline, source + ".dlq"))
    matching = [h for _, h in records if h.get("newswire.url") == canonicalize(url).encode()]
    assert matching, f"no DLQ record for {url} on {source}.dlq"
    headers = matching[-1]
    assert headers["newswire.reason"] == reason.encode()
    assert headers["__connect.errors.topic"] == source.encode()
    assert headers["__connect.errors.exception.class.name"]
    assert headers["ce_specversion"] == b"1.0"


def test_malformed_events_fail_cleanly_and_partitions_keep_moving(
        pipeline: Pipeline, news_site: str) -> None:
    ns = pipeline.settings.kafka.namespace
    follow_up = f"{news_site}/news/{ARTICLES[5].slug}"
    aid = article_id(canonicalize(follow_up))
    # Garbage on every stage's input topic, keyed so it shares the follow-up's partition.
    garbage = {
        f"{ns}news.url.submitted": (b"127.0.0.1", b"\xff\xfe not json"),
        f"{ns}news.page.fetched": (aid.encode(), b'{"schema_version": 1}'),
        f"{ns}news.article.extracted": (aid.encode(), b"[1, 2, 3]"),
        f"{ns}news.article.enriched": (aid.encode(), b'{"article_id": 5}'),
    }

    async def produce() -> dict[str, int]:
        producer = AIOKafkaProducer(bootstrap_servers=pipeline.settings.kafka.servers,
                                    acks="all")
        await producer.start()
        try:
            offsets = {}
            for topic, (key, value) in garbage.items():
                meta = await producer.send_and_wait(topic, value=value, key=key)
                offsets[topic] = meta.offset
            return offsets
        finally:
            await producer.stop()

    asyncio.run(produce())
    submit(pipeline, follow_up)
    assert pipeline.wait_for(follow_up)["status"] == "ok"
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        failures = httpx.get(f"{pipeline.api}/failures", params={"limit": 1000}).json()
        malformed = {f["key"].rsplit(":", 2)[0] for f in failures["failures"]
                     if f["reason"] == "malformed_event"}
        if set(garbage) <= malformed:
            break
        time.sleep(0.5)
    assert set(garbage) <= malformed
    for topic in garbage:
        records = asyncio.run(_dlq_records(pipeline, topic + ".dlq"))
        assert any(h.get("newswire.reason") == b"malformed_event" for _, h in records), topic


def test_the_store_writes_a_batch_and_a_poison_record_fails_alone(pipeline: Pipeline) -> None:
    """Enriched articles arriving together are written in one batch; one that cannot be
    stored (a control character in its URL) makes the batch fall back to one by one: it
    alone is recorded as a failure, the others are stored."""
    import hashlib
    from datetime import UTC, datetime

    from newswire.events import ArticleEnriched, encode

    def enriched(url: str) -> ArticleEnriched:
        text = f"Body of {url} with enough words to be an article."
        return ArticleEnriched(
            submitted_url=url, article_id=article_id(url), url=url, canonical_url=url,
            final_url=url, title="Batch", text=text, fetched_at=datetime.now(UTC),
            content_hash=hashlib.sha256(text.encode()).hexdigest(), claims=[])

    good = [enriched(f"https://batch.example/{i}") for i in range(6)]
    poison = enriched("https://batch.example/poison").model_copy(
        update={"url": "https://batch.example/poi\tson"})
    records = [*good[:3], poison, *good[3:]]
    topic = pipeline.settings.kafka.namespace + "news.article.enriched"

    async def produce() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=pipeline.settings.kafka.servers,
                                    acks="all")
        await producer.start()
        try:  # one key: one partition, so the store takes them together
            for event in records:
                await producer.send(topic, value=encode(event), key=b"batch")
            await producer.flush()
        finally:
            await producer.stop()

    asyncio.run(produce())
    import time

    deadline = time.monotonic() + 60
    stored: set[str] = set()
    failed = False
    while time.monotonic() < deadline and (len(stored) < len(good) or not failed):
        for art in good:
            resp = httpx.get(f"{pipeline.api}/articles/{art.article_id}")
            if resp.status_code == 200:
                stored.add(art.article_id)
        failures = httpx.get(f"{pipeline.api}/failures", params={"limit": 1000}).json()
        failed = any(f["stage"] == "store" and f["reason"] == "invalid_url"
                     for f in failures["failures"])
        time.sleep(0.5)
    assert stored == {a.article_id for a in good}
    assert failed
    poison_id = poison.article_id
    assert httpx.get(f"{pipeline.api}/articles/{poison_id}").status_code == 404


def _cli(pipe: Pipeline, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newswire.cli", *args], env=pipe.env,
                          input=stdin, capture_output=True, text=True, timeout=60,
                          cwd=os.getcwd())


def test_cli_submit_tail_and_status(pipeline: Pipeline, news_site: str) -> None:
    url = f"{news_site}/news/{ARTICLES[3].slug}?ref_src=cli"
    proc = _cli(pipeline, "submit", "-", stdin=f"not a url\n{url}\nftp://example.com/x\n")
    assert proc.returncode == 1
    assert "rejected 'not a url'" in proc.stderr
    assert "ftp://example.com/x" in proc.stderr
    assert pipeline.wait_for(url)["status"] == "ok"
    topic = pipeline.settings.kafka.namespace + "news.article.enriched"
    proc = _cli(pipeline, "tail", topic, "-o", "beginning", "-e")
    assert proc.returncode == 0, proc.stderr
    events = [orjson.loads(line) for line in proc.stdout.splitlines()]
    assert any(e.get("url") == canonicalize(url) and e["claims"] is not None for e in events)
    proc = _cli(pipeline, "status", "--json")
    assert proc.returncode == 0, proc.stderr
    status = orjson.loads(proc.stdout)
    for service in ("ingest", "extract", "store"):
        entry = status["services"][service]
        assert entry["metrics_url"].startswith("http://")
        assert entry["up"] is True
        assert entry["consumed"] >= 1
        assert entry["lag"] >= 0
    assert status["store"]["articles"] >= 1
    ready = httpx.get(f"{pipeline.api}/readyz")
    assert ready.status_code == 200
    assert httpx.get(f"{pipeline.api}/openapi.json").json()["openapi"].startswith("3.")


def test_claims_disabled_passes_articles_through_and_dead_letters_garbage(
        broker: str, news_site: str, tmp_path) -> None:
    """NEWSWIRE_EXTRACT__CLAIMS_ENABLED=false: the claims stage forwards each article with no
    claims (in the service process, not the parser pool) and still dead-letters garbage."""
    pipe = start_pipeline(broker, tmp_path, NEWSWIRE_EXTRACT__CLAIMS_ENABLED="false")
    try:
        ns = pipe.settings.kafka.namespace
        topic = f"{ns}news.article.extracted"

        async def produce_garbage() -> None:
            producer = AIOKafkaProducer(bootstrap_servers=pipe.settings.kafka.servers,
                                        acks="all")
            await producer.start()
            try:
                await producer.send_and_wait(topic, value=b'{"article_id": 7}', key=b"k")
            finally:
                await producer.stop()

        asyncio.run(produce_garbage())
        url = f"{news_site}/news/{ARTICLES[2].slug}"
        submit(pipe, url)
        art = pipe.wait_for(url)
        assert art["status"] == "ok", art
        assert art["claims"] == []
        assert ARTICLES[2].paragraphs[0] in str(art["text"])
        records = asyncio.run(_dlq_records(pipe, topic + ".dlq"))
        assert [h.get("newswire.stage") for _, h in records] == [b"claims"]
        assert records[0][1]["newswire.reason"] == b"malformed_event"
    finally:
        pipe.supervisor.stop()
