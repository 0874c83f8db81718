"""A hostile site: every response a fetcher or a parser can be hurt by, bounded so the test
machine is not (each handler stops on its own, and when the client goes away).

| path              | what it sends                                                       |
|-------------------|---------------------------------------------------------------------|
| /binary           | 2 MB of random bytes as application/octet-stream                    |
| /binary-as-html   | 2 MB of random bytes labelled text/html                             |
| /endless          | text/html that never ends (stops after 64 MB or when dropped)       |
| /gzip-bomb        | 256 KB of gzip that inflates to 256 MB of zeros                     |
| /trickle          | text/html at one byte a second (stops after 90 s)                   |
| /million-p        | a million unclosed ``<p>`` tags (~3 MB)                             |
| /three-million-p  | three million of them (~9 MB): parsed for well over the 20 s budget |
| /deep             | elements nested 100,000 deep (~1 MB)                                |
| /attributes       | one element with 50,000 attributes                                  |
| /invalid-utf8     | declared UTF-8, only invalid byte sequences in the body             |
"""

from __future__ import annotations

import asyncio
import functools
import random
import zlib
from collections.abc import Awaitable, Callable

from aiohttp import web

__all__ = ["HOSTILE", "gzip_bomb", "hostile_app"]

# path -> what the pipeline must record (stage, acceptable reasons). Budgets are per URL.
HOSTILE: dict[str, tuple[str, frozenset[str]]] = {
    "/binary": ("ingest", frozenset({"not_html"})),
    "/binary-as-html": ("extract", frozenset({"empty_extraction", "not_an_article",
                                              "parser_error", "extraction_timeout"})),
    "/endless": ("ingest", frozenset({"too_large"})),
    "/gzip-bomb": ("ingest", frozenset({"too_large"})),
    "/trickle": ("ingest", frozenset({"timeout"})),
    "/million-p": ("extract", frozenset({"empty_extraction", "not_an_article",
                                         "extraction_timeout", "worker_crashed"})),
    "/three-million-p": ("extract", frozenset({"extraction_timeout", "worker_crashed"})),
    "/deep": ("extract", frozenset({"empty_extraction", "not_an_article",
                                    "extraction_timeout", "worker_crashed", "parser_error"})),
    "/attributes": ("extract", frozenset({"empty_extraction", "not_an_article",
                                          "extraction_timeout", "worker_crashed",
                                          "parser_error"})),
    "/invalid-utf8": ("extract", frozenset({"empty_extraction", "not_an_article",
                                            "parser_error"})),
}


@functools.cache
def gzip_bomb(inflated: int = 256 * 1024 * 1024) -> bytes:
    """gzip of ``inflated`` zero bytes (~1000:1), built in bounded steps."""
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"\0" * (1024 * 1024)
    parts = [z.compress(b"<html><body>")]
    for _ in range(inflated // len(chunk)):
        parts.append(z.compress(chunk))
    parts.append(z.flush())
    return b"".join(parts)


@functools.cache
def _random_bytes(n: int = 2 * 1024 * 1024) -> bytes:
    return random.Random(8).randbytes(n)


@functools.cache
def million_p(millions: int = 1) -> bytes:
    return b"<html><body>" + b"<p>" * (millions * 1_000_000) + b"</body></html>"


@functools.cache
def deep(depth: int = 100_000) -> bytes:
    return (b"<html><body>" + b"<div>" * depth + b"Deep text inside." + b"</div>" * depth
            + b"</body></html>")


@functools.cache
def attributes(n: int = 50_000) -> bytes:
    attrs = " ".join(f'data-a{i}="{i}"' for i in range(n)).encode()
    return b"<html><body><div " + attrs + b">Attribute soup.</div></body></html>"


def invalid_utf8() -> bytes:
    bad = b"\xff\xfe\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc" * 2000
    return (b'<html><head><meta charset="utf-8"><title>\xff\xfe</title></head><body><p>'
            + bad + b"</p></body></html>")


def hostile_app(endless_cap: int = 64 * 1024 * 1024, trickle_seconds: int = 90
                ) -> web.Application:
    async def binary(_: web.Request) -> web.Response:
        return web.Response(body=_random_bytes(), content_type="application/octet-stream")

    async def binary_as_html(_: web.Request) -> web.Response:
        return web.Response(body=_random_bytes(), content_type="text/html")

    async def endless(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        chunk = b"<p>" + b"endless " * 8190 + b"</p>"
        sent = 0
        try:
            while sent < endless_cap:
                await resp.write(chunk)
                sent += len(chunk)
        except (ConnectionError, asyncio.CancelledError):
            return resp
        return resp

    async def bomb(_: web.Request) -> web.Response:
        return web.Response(body=gzip_bomb(), content_type="text/html",
                            headers={"Content-Encoding": "gzip"})

    async def trickle(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        page = b"<html><body><p>" + b"slow " * 100
        try:
            for i in range(trickle_seconds):
                await resp.write(page[i % len(page):i % len(page) + 1])
                await asyncio.sleep(1)
        except (ConnectionError, asyncio.CancelledError):
            return resp
        return resp

    def fixed(body: bytes, content_type: str = "text/html"
              ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(_: web.Request) -> web.Response:
            return web.Response(body=body, content_type=content_type)

        return handler

    async def robots(_: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nAllow: /\n", content_type="text/plain")

    app = web.Application()
    app.add_routes([
        web.get("/binary", binary), web.get("/binary-as-html", binary_as_html),
        web.get("/endless", endless), web.get("/gzip-bomb", bomb),
        web.get("/trickle", trickle), web.get("/million-p", fixed(million_p())),
        web.get("/three-million-p", fixed(million_p(3))),
        web.get("/deep", fixed(deep())), web.get("/attributes", fixed(attributes())),
        web.get("/invalid-utf8", fixed(invalid_utf8())),
        web.get("/robots.txt", robots),
    ])
    return app

