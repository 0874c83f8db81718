"""news.page.fetched version 2 (the page as the record value, the event in a header) and the
version 1 JSON records still in flight during an upgrade: both read, by the extract service's
own code path (``extract_record``)."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from newswire.errors import FetchError, MalformedEvent, TooLarge
from newswire.events import (
    PAGE_HEADER,
    PAGE_VERSION_HEADER,
    ArticleExtracted,
    PageFetched,
    decode,
    decode_page,
    encode,
    page_record,
)
from services.extract.app import _urls_of
from services.extract.work import extract_record

ARTICLE = (Path(__file__).parents[1] / "extraction" / "fixtures" / "basic_article.html"
           ).read_bytes()
URL = "https://news.example.com/2026/story"


def _fields() -> dict[str, Any]:
    return {"submitted_url": URL, "url": URL, "final_url": URL, "status": 200,
            "content_type": "text/html; charset=utf-8",
            "fetched_at": datetime(2026, 5, 1, tzinfo=UTC)}


def _v2(body: bytes, size: int) -> tuple[bytes, dict[str, bytes]]:
    return page_record(PageFetched.with_gzip(body, size, **_fields()), "newswire/ingest")


def test_the_page_is_the_value_as_gzip_and_the_event_a_header() -> None:
    body = gzip.compress(ARTICLE, 6)
    value, headers = _v2(body, len(ARTICLE))
    assert value is body  # passed through: not recompressed, not base64, not in JSON
    assert headers[PAGE_VERSION_HEADER] == b"2"
    assert b"html_z" not in headers[PAGE_HEADER]
    page = decode_page(value, list(headers.items()))  # Kafka gives headers as pairs
    assert page.url == URL and page.size_bytes == len(ARTICLE)
    assert page.html() == ARTICLE


def test_extract_reads_both_versions_to_the_same_article() -> None:
    value, headers = _v2(gzip.compress(ARTICLE), len(ARTICLE))
    new = extract_record(value, headers)
    old = PageFetched.with_html(ARTICLE, **_fields())
    before = extract_record(encode(old))  # a version 1 record: no headers
    assert new.key == before.key and new.words == before.words > 50
    assert decode(ArticleExtracted, new.value).text == decode(ArticleExtracted,
                                                              before.value).text


def test_every_gzip_member_is_read() -> None:
    value, headers = _v2(gzip.compress(b"<html><p>one ") + gzip.compress(b"two</p>"), 20)
    assert decode_page(value, headers).html() == b"<html><p>one two</p>"


def test_a_gzip_bomb_stops_at_the_cap_as_too_large() -> None:
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = z.compress(b"\0" * (20 * 1024 * 1024)) + z.flush()
    value, headers = _v2(bomb, 1)  # a trailer or a size that lies is no help
    with pytest.raises(TooLarge):
        decode_page(value, headers).html(max_bytes=1_000_000)


def test_a_body_that_is_not_gzip_is_the_origins_fetch_error() -> None:
    value, headers = _v2(b"<html>plain, though the origin said gzip</html>", 10)
    with pytest.raises(FetchError):
        decode_page(value, headers).html()


@pytest.mark.parametrize(("version", "value", "page"), [
    (b"3", b"\x1f\x8b", b"{}"),  # a newer writer: never misread as version 2
    (b"2", b"", None),  # no page
    (b"2", b"\x1f\x8b", None),  # no event header
    (b"2", b"\x1f\x8b", b'{"url": 5}'),
    (b"2", b"\x1f\x8b", orjson.dumps({**_fields(), "size_bytes": 1, "html_z": "eJw="},
                                     default=str)),
])
def test_broken_version_2_records_are_malformed_events(
        version: bytes, value: bytes, page: bytes | None) -> None:
    headers = {PAGE_VERSION_HEADER: version}
    if page is not None:
        headers[PAGE_HEADER] = page
    with pytest.raises(MalformedEvent):
        decode_page(value, headers)


def test_a_timed_out_page_is_dead_lettered_with_its_urls() -> None:
    value, headers = _v2(gzip.compress(ARTICLE), len(ARTICLE))
    assert _urls_of(value, headers) == (URL, URL)  # from the header, not the gzip value
    assert _urls_of(encode(PageFetched.with_html(ARTICLE, **_fields()))) == (URL, URL)


async def test_tail_prints_a_page_record_as_its_event(broker: str) -> None:
    import io

    from aiokafka import AIOKafkaProducer

    from newswire.kafka import ensure_topics
    from newswire.settings import KafkaSettings, Settings
    from newswire.tail import tail
    from newswire.topics import Topics

    settings = Settings(kafka=KafkaSettings(bootstrap_servers=broker, namespace="tailpage."))
    topics = Topics(settings.kafka.namespace)
    await ensure_topics(settings.kafka, topics)
    body = gzip.compress(ARTICLE)
    value, headers = _v2(body, len(ARTICLE))
    producer = AIOKafkaProducer(bootstrap_servers=broker)
    await producer.start()
    try:
        await producer.send_and_wait(topics.page_fetched, value, key=b"k", partition=0,
                                     headers=list(headers.items()))
        await producer.send_and_wait(  # a version 1 record, as it was
            topics.page_fetched, encode(PageFetched.with_html(b"<p>x", **_fields())),
            key=b"k", partition=0)
    finally:
        await producer.stop()
    out = io.StringIO()
    assert await tail(settings, topics.page_fetched, offset="beginning", exit_at_end=True,
                      out=out) == 0
    new, old = (orjson.loads(line) for line in out.getvalue().splitlines())
    # before: {"_raw": "<the gzip bytes as replacement characters>"}
    assert new["url"] == URL and new["page_gzip_bytes"] == len(body) and "_raw" not in new
    assert old["url"] == URL and old["html_z"]
