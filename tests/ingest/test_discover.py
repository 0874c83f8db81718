"""Discovery parsers (parse-only) and the Discoverer/FeedPoller against a loopback site."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from newswire.settings import IngestSettings
from services.ingest.discover import Discoverer, parse_document
from services.ingest.fetch import FetchPolicy, make_client
from services.ingest.guard import AddressGuard
from services.ingest.poller import FeedPoller, configured_feeds
from tests.ingest.ingest_site import SiteLog, ingest_site, rss, sitemap

B = "https://news.example"


def test_rss2_rss1_atom_and_json_feeds() -> None:
    rss2 = (b'<?xml version="1.0"?><rss version="2.0" xmlns:feedburner="http://rssnamespace.org'
            b'/feedburner/ext/1.0"><channel><item><link>/a?utm_source=x</link></item>'
            b'<item><guid isPermaLink="true">https://news.example/b</guid></item>'
            b'<item><guid isPermaLink="false">tag:1</guid></item>'
            b'<item><link>https://feeds.example/~r/x</link><feedburner:origLink>'
            b'https://news.example/c</feedburner:origLink></item></channel></rss>')
    assert parse_document(rss2, f"{B}/feed").articles == [f"{B}/a?utm_source=x", f"{B}/b",
                                                           f"{B}/c"]
    rdf = (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
           b'xmlns="http://purl.org/rss/1.0/"><channel/><item><link>https://news.example/r1'
           b'</link></item></rdf:RDF>')
    assert parse_document(rdf, f"{B}/rdf").articles == [f"{B}/r1"]
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom">'
            b'<entry><link rel="enclosure" href="/i.jpg"/>'
            b'<link href="/a1"/></entry><entry><link rel="alternate" type="text/html" '
            b'href="https://news.example/a2"/></entry></feed>')
    parsed = parse_document(atom, f"{B}/atom", "application/atom+xml")
    assert (parsed.kind, parsed.articles) == ("atom", [f"{B}/a1", f"{B}/a2"])
    jf = b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "url": "/j1"}]}'
    assert parse_document(jf, f"{B}/feed.json", "application/feed+json").articles == [
        f"{B}/j1"]


def test_sitemaps_indexes_google_news_text_and_html_pages() -> None:
    news = sitemap(B, ["/n1", "/n2"], news=True).encode()
    assert parse_document(news, f"{B}/news.xml").articles == [f"{B}/n1", f"{B}/n2"]
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
             b'<loc>https://news.example/s1.xml</loc></sitemap></sitemapindex>')
    parsed = parse_document(index, f"{B}/index.xml")
    assert (parsed.kind, parsed.follow) == ("sitemapindex", [f"{B}/s1.xml"])
    text = parse_document(b"https://news.example/t1\nnot a url\n", f"{B}/s.txt", "text/plain")
    assert text.articles == [f"{B}/t1"]
    page = (b'<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" '
            b'href="/rss"><link rel="alternate" hreflang="de" href="/de"><link rel="stylesheet"'
            b' href="/s.css"></head><body><a href="/x">x</a></body></html>')
    parsed = parse_document(page, f"{B}/", "text/html")
    assert (parsed.kind, parsed.articles, parsed.follow) == ("html", [], [f"{B}/rss"])


def test_xml_entities_are_not_expanded() -> None:
    evil = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">'
            b'<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<urlset><url><loc>https://news.example/&x;</loc></url>'
            b'<url><loc>https://news.example/&b;</loc></url></urlset>')
    urls = parse_document(evil, f"{B}/s.xml").articles
    assert not any("root:" in u or "aaaa" in u for u in urls)


@pytest.fixture
async def site() -> AsyncIterator[tuple[str, SiteLog, dict[str, tuple[str, str]]]]:
    log = SiteLog()
    docs: dict[str, tuple[str, str]] = {}
    runner = web.AppRunner(ingest_site(log, docs), access_log=None)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", log, docs
    finally:
        await runner.cleanup()


def _policy(allow: tuple[str, ...] = ("127.0.0.1/32",)) -> FetchPolicy:
    return FetchPolicy(guard=AddressGuard(allow), total_timeout=5.0)


async def test_page_to_feed_and_index_to_gzipped_sitemaps(site) -> None:  # type: ignore[no-untyped-def]
    base, log, docs = site
    docs["/"] = ("text/html", '<html><head><link rel="alternate" type="application/atom+xml" '
                              'href="/atom.xml"></head><body></body></html>')
    docs["/atom.xml"] = ("application/atom+xml",
                         '<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="'
                         f'{base}/news/story-1?utm_medium=atom"/></entry></feed>')
    docs["/index.xml"] = ("application/xml",
                          '<sitemapindex><sitemap><loc>' + base + '/s1.xml</loc></sitemap>'
                          '<sitemap><loc>' + base + '/index.xml</loc></sitemap></sitemapindex>')
    docs["/s1.xml"] = ("application/xml", sitemap(base, ["/news/story-1", "/news/story-2"]))
    async with make_client(IngestSettings()) as client:
        found = await Discoverer(client, _policy()).discover([f"{base}/", f"{base}/index.xml"])
    assert found.articles == [f"{base}/news/story-1", f"{base}/news/story-2"]
    assert found.errors == []
    assert log.count("/index.xml") == 1  # an index listing itself is read once

    gz = gzip.compress(sitemap(base, ["/news/story-3"]).encode())

    async def gzipped(_: web.Request) -> web.Response:
        return web.Response(body=gz, content_type="application/x-gzip")

    app = web.Application()
    app.add_routes([web.get("/s.xml.gz", gzipped)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    try:
        async with make_client(IngestSettings()) as client:
            found = await Discoverer(client, _policy()).discover(
                [f"http://127.0.0.1:{runner.addresses[0][1]}/s.xml.gz"])
    finally:
        await runner.cleanup()
    assert found.articles == [f"{base}/news/story-3"]


async def test_discovery_refuses_feeds_on_refused_addresses(site) -> None:  # type: ignore[no-untyped-def]
    base, log, docs = site
    docs["/feed.xml"] = ("application/rss+xml", rss(base, ["/news/story-1"]))
    async with make_client(IngestSettings()) as client:
        found = await Discoverer(client, _policy(())).discover([f"{base}/feed.xml"])
    assert found.articles == [] and found.errors[0][1].startswith("blocked_address")
    assert log.requests == []


async def test_a_second_poll_of_an_unchanged_feed_publishes_nothing(site) -> None:  # type: ignore[no-untyped-def]
    base, log, docs = site
    docs["/feed.xml"] = ("application/rss+xml",
                         rss(base, ["/news/story-1", "/news/story-2?utm_source=rss"]))
    published: list[str] = []

    async def publish(url: str) -> None:
        published.append(url)

    async with make_client(IngestSettings()) as client:
        poller = FeedPoller(Discoverer(client, _policy()), [f"{base}/feed.xml"], publish)
        assert await poller.poll_once() == 2
        assert published == [f"{base}/news/story-1", f"{base}/news/story-2"]
        assert await poller.poll_once() == 0  # answered 304 (If-None-Match)
        assert log.count("/feed.xml") == 2
        assert poller.discoverer.validators  # an ETag was kept
        # a new item: only the new URL is published, also if the server ignores validators
        docs["/feed.xml"] = ("application/rss+xml",
                             rss(base, ["/news/story-1", "/news/story-2", "/news/story-3"]))
        poller.discoverer.validators.clear()
        assert await poller.poll_once() == 1
        assert published[-1] == f"{base}/news/story-3"
        assert await poller.poll_once() == 0
    assert len(published) == 3


def test_feeds_come_from_settings_and_a_file(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    listing = tmp_path / "feeds.txt"
    listing.write_text("# news\nhttps://a.example/rss\n\nhttps://b.example/sitemap.xml\n")
    monkeypatch.setenv("NEWSWIRE_INGEST__FEEDS", "https://a.example/rss,https://c.example/f")
    monkeypatch.setenv("NEWSWIRE_INGEST__FEEDS_FILE", str(listing))
    from newswire.settings import Settings

    assert configured_feeds(Settings().ingest) == [
        "https://a.example/rss", "https://c.example/f", "https://b.example/sitemap.xml"]
