from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newswire.errors import InvalidUrl, MalformedEvent
from newswire.events import PageFetched, UrlSubmitted, cloudevent_headers, decode, encode
from newswire.settings import Settings
from newswire.submit import submit_urls
from newswire.urls import article_id, canonicalize, domain_key, same_site, validate_url


@pytest.mark.parametrize(("raw", "expected"), [
    ("HTTP://Example.COM:80/a?utm_source=x&b=2&a=1&fbclid=3#frag", "http://example.com/a?a=1&b=2"),
    ("https://example.com:443", "https://example.com/"),
    ("https://example.com:8443/x/", "https://example.com:8443/x/"),
    ("https://news.example.com/story?gclid=1&id=7&utm_medium=rss", "https://news.example.com/story?id=7"),
    ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
])
def test_canonicalize(raw: str, expected: str) -> None:
    assert canonicalize(raw) == expected


@pytest.mark.parametrize("bad", ["", "ftp://x.com/", "http://", "not a url", "http://a.com:0/",
                                 "javascript:alert(1)", "http://a.com:99999/",
                                 # control characters, in the host or the path
                                 "http://exa\x00mple.com/", "http://a.com/\x1b[31m",
                                 "http://a.com/x\x7f"])
def test_invalid_urls_are_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(InvalidUrl) as info:
        canonicalize(bad)
    assert info.value.detail


@pytest.mark.parametrize("bad", ["http://exa\x00mple.com/", "http://example.com/a\x00b",
                                 "http://example.com/?q=\x01", "http://example.com/\x7f",
                                 "http://example.com/\x1b[31m", "http://example.com/a\x85b"])
def test_control_characters_are_refused_as_invalid_url(bad: str) -> None:
    for check in (canonicalize, validate_url):
        with pytest.raises(InvalidUrl) as info:
            check(bad)
        assert info.value.reason == "invalid_url" and "control character" in info.value.detail
        assert "\x00" not in info.value.detail  # the message itself is printable


async def test_submit_rejects_control_characters_before_publishing() -> None:
    # every URL is refused, so nothing is published and no broker is needed
    result = await submit_urls(Settings(), ["http://example.com/a\x00b",
                                            "http://example.com/\x07"])
    assert result.submitted == [] and len(result.rejected) == 2
    assert all(r.reason == "invalid_url" and "control character" in r.detail
               for r in result.rejected)


def test_article_id_is_stable_and_depends_on_canonical_form() -> None:
    a = article_id(canonicalize("https://Example.com/x?utm_source=1"))
    assert a == article_id(canonicalize("https://example.com/x"))
    assert len(a) == 32 and a != article_id(canonicalize("https://example.com/y"))


def test_domain_key_is_the_registrable_domain() -> None:
    assert domain_key("https://www.bbc.co.uk/news/1") == "bbc.co.uk"
    assert domain_key("https://a.b.example.com/") == "example.com"
    assert domain_key("http://127.0.0.1:8000/x") == "127.0.0.1"
    assert same_site("https://www.example.com/a", "https://amp.example.com/b")
    assert not same_site("https://example.com/a", "https://example.org/a")


def test_events_round_trip_as_plain_json() -> None:
    page = PageFetched.with_html(
        b"<html>" + "é".encode() * 1000, submitted_url="http://a.com/x", url="http://a.com/x",
        final_url="http://a.com/x", status=200, content_type="text/html",
        fetched_at=datetime.now(UTC))
    data = encode(page)
    assert b"__faust" not in data and data.startswith(b"{")
    again = decode(PageFetched, data)
    assert again == page
    assert again.html() == b"<html>" + "é".encode() * 1000
    headers = cloudevent_headers(page, "newswire/ingest")
    assert headers["ce_type"] == b"news.page.fetched.v1"
    assert headers["ce_id"] == page.event_id.encode()
    assert {"ce_source", "ce_time", "ce_specversion"} <= set(headers)


@pytest.mark.parametrize("data", [None, b"", b"\xff\xfe", b"[1]", b'{"url": 5}', b"null",
                                  b'{"submitted_url": "x"}'])
def test_malformed_events_raise_malformed_event(data: bytes | None) -> None:
    with pytest.raises(MalformedEvent):
        decode(UrlSubmitted, data)


def test_compressed_page_cannot_inflate_past_the_cap() -> None:
    page = PageFetched.with_html(
        b"0" * 5_000_000, submitted_url="u", url="u", final_url="u", status=200,
        content_type="text/html", fetched_at=datetime.now(UTC))
    assert len(page.html_z) < 50_000
    with pytest.raises(MalformedEvent):
        page.html(max_bytes=1_000_000)
