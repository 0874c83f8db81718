"""A loopback news site for the ingest tests: feeds, sitemaps, robots.txt, many articles,
and a log of every request it answers (path, time) so tests can count fetches."""

from __future__ import annotations

import gzip
import html
import socket
import threading
import time
from dataclasses import dataclass, field

from aiohttp import web

from bench.fetch import max_in_window
from newswire.demo.site import ARTICLES, DemoArticle, render_article

__all__ = ["ConnectionCounter", "SiteLog", "ingest_site", "max_in_window", "rss", "sitemap",
           "story"]


def story(i: int) -> DemoArticle:
    base = ARTICLES[i % len(ARTICLES)]
    return DemoArticle(f"story-{i}", f"{base.title} (part {i})", base.author, base.published,
                       tuple(f"{p} Story number {i}." for p in base.paragraphs))


@dataclass
class SiteLog:
    requests: list[tuple[float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str) -> None:
        with self.lock:
            self.requests.append((time.monotonic(), path))

    def count(self, path: str) -> int:
        with self.lock:
            return sum(1 for _, p in self.requests if p == path)

    def times(self, exclude: tuple[str, ...] = ()) -> list[float]:
        with self.lock:
            return sorted(t for t, p in self.requests if p not in exclude)


def rss(base: str, paths: list[str]) -> str:
    items = "".join(f"<item><title>t</title><link>{html.escape(base + p)}</link></item>"
                    for p in paths)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Demo</title>'
            f"<link>{base}/</link>{items}</channel></rss>")


def sitemap(base: str, paths: list[str], news: bool = False) -> str:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    extra = ("<news:news><news:publication><news:name>Demo</news:name><news:language>en"
             "</news:language></news:publication><news:title>t</news:title></news:news>"
             if news else "")
    urls = "".join(f"<url><loc>{html.escape(base + p)}</loc>{extra}</url>" for p in paths)
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>{urls}</urlset>')


def ingest_site(log: SiteLog, documents: dict[str, tuple[str, str]],
                robots: str = "User-agent: *\nDisallow: /private\n") -> web.Application:
    """``documents``: path -> (content type, body) for feeds and sitemaps; everything under
    /news/story-N is an article; /private/... exists but robots.txt forbids it."""

    @web.middleware
    async def record(request: web.Request, handler):  # type: ignore[no-untyped-def]
        log.add(request.path)
        return await handler(request)

    async def robots_txt(_: web.Request) -> web.Response:
        return web.Response(text=robots, content_type="text/plain")

    async def article(request: web.Request) -> web.Response:
        slug = request.match_info["slug"]
        if not slug.startswith("story-") or not slug[6:].isdigit():
            raise web.HTTPNotFound()
        page = render_article(story(int(slug[6:])), f"{request.scheme}://{request.host}")
        return web.Response(body=gzip.compress(page.encode()), content_type="text/html",
                            charset="utf-8", headers={"Content-Encoding": "gzip"})

    async def private(_: web.Request) -> web.Response:
        return web.Response(text="<html><body><p>secret</p></body></html>",
                            content_type="text/html")

    async def flaky(request: web.Request) -> web.Response:
        """/flaky/<code>-<n>: answers <code> (503 or 429 with Retry-After: 1) the first time,
        then article n; /flaky/down: always 503."""
        name = request.match_info["name"]
        if name == "down" or log.count(request.path) == 1:
            code = 503 if name == "down" else int(name.split("-")[0])
            return web.Response(status=code, text="busy", content_type="text/html",
                                headers={"Retry-After": "1"} if code == 429 else {})
        page = render_article(story(int(name.split("-")[1])),
                              f"{request.scheme}://{request.host}")
        return web.Response(text=page, content_type="text/html")

    async def document(request: web.Request) -> web.Response:
        entry = documents.get(request.path)
        if entry is None:
            raise web.HTTPNotFound()
        etag = f'"{hash(entry[1]) & 0xffffffff:x}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(text=entry[1], content_type=entry[0], headers={"ETag": etag})

    app = web.Application(middlewares=[record])
    app.add_routes([web.get("/robots.txt", robots_txt), web.get("/news/{slug}", article),
                    web.get("/private/{rest:.*}", private),
                    web.get("/flaky/{name}", flaky), web.get("/{doc:.*}", document)])
    return app


class ConnectionCounter:
    """A TCP listener that only counts the connections that reach it."""

    def __init__(self, host: str) -> None:
        self.sock = socket.create_server((host, 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()
