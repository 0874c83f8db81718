"""The fetcher against hostile servers on loopback (real HTTP, no mocks)."""

from __future__ import annotations

import asyncio
import gzip
import socket
import ssl
import subprocess
import time
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from newswire.errors import (
    BlockedAddress,
    BlockedPort,
    FetchError,
    FetchTimeout,
    HttpStatus,
    NotHtml,
    RateLimited,
    ServerError,
    TooLarge,
    TooManyRedirects,
)
from newswire.settings import IngestSettings
from services.ingest.fetch import FetchPolicy, ShardedClient, fetch, make_client
from services.ingest.guard import AddressGuard
from services.ingest.resolver import Resolver

PAGE = b"<html><body><p>Hello news</p></body></html>"
BOMB = gzip.compress(b"\0" * (200 * 1024 * 1024), 9)  # 200 MB of zeros, ~200 KB on the wire


def _app() -> web.Application:
    async def ok(_: web.Request) -> web.Response:
        return web.Response(body=gzip.compress(PAGE), content_type="text/html",
                            headers={"Content-Encoding": "gzip", "ETag": '"v1"'})

    async def status(request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        headers = {"Retry-After": "7"} if code == 429 else {}
        return web.Response(status=code, text="no", content_type="text/html", headers=headers)

    async def pdf(_: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.4", content_type="application/pdf")

    async def bomb(_: web.Request) -> web.Response:
        return web.Response(body=BOMB, content_type="text/html",
                            headers={"Content-Encoding": "gzip"})

    async def endless(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        chunk = b"<p>" + b"x" * 65536 + b"</p>"
        for _ in range(100_000):  # bounded: ~6.5 GB, far past any cap
            await resp.write(chunk)
        return resp

    async def trickle(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        for _ in range(60):  # one byte a second, for at most a minute
            await resp.write(b"<")
            await asyncio.sleep(1)
        return resp

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    async def loop(_: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    app = web.Application()
    app.add_routes([web.get("/ok", ok), web.get("/status/{code}", status), web.get("/pdf", pdf),
                    web.get("/bomb", bomb), web.get("/endless", endless),
                    web.get("/trickle", trickle), web.get("/redirect", redirect),
                    web.get("/loop", loop)])
    return app


@pytest.fixture
async def server() -> AsyncIterator[str]:
    runner = web.AppRunner(_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def _policy(**overrides: object) -> FetchPolicy:
    options: dict[str, object] = {"guard": AddressGuard(["127.0.0.1/32"]), "max_bytes": 1_000_000,
                                  "total_timeout": 3.0}
    options.update(overrides)
    return FetchPolicy(**options)  # type: ignore[arg-type]


async def _fetch(url: str, policy: FetchPolicy | None = None):  # type: ignore[no-untyped-def]
    async with make_client(IngestSettings()) as client:
        return await fetch(url, client, policy or _policy())


async def test_fetches_html_and_decodes_gzip(server: str) -> None:
    page = await _fetch(f"{server}/ok")
    assert page.body == PAGE
    assert page.status == 200 and page.etag == '"v1"'


@pytest.mark.parametrize(("path", "error"), [
    ("/status/404", HttpStatus), ("/status/410", HttpStatus), ("/status/503", ServerError),
    ("/pdf", NotHtml), ("/loop", TooManyRedirects),
])
async def test_http_failures_are_typed(server: str, path: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        await _fetch(server + path)


async def test_429_carries_retry_after(server: str) -> None:
    with pytest.raises(RateLimited) as info:
        await _fetch(f"{server}/status/429")
    assert info.value.retry_after == 7.0


async def test_loopback_is_refused_by_default(server: str) -> None:
    with pytest.raises(BlockedAddress):
        await _fetch(f"{server}/ok", _policy(guard=AddressGuard()))


async def test_redirect_to_a_refused_address_is_refused(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    with pytest.raises(BlockedAddress):
        await _fetch(f"{server}/redirect?to=http://127.0.0.2:{port}/ok")
    with pytest.raises(BlockedAddress):
        await _fetch(f"{server}/redirect?to=http://169.254.169.254/latest/meta-data/")


async def test_redirect_to_a_port_outside_the_allow_list_is_refused(server: str) -> None:
    with pytest.raises(BlockedPort):
        await _fetch(f"{server}/redirect?to=http://93.184.216.34:25/")


async def test_gzip_bomb_stops_at_the_cap_without_inflating(server: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge):
            await _fetch(f"{server}/bomb", _policy(max_bytes=10_000_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024


async def test_endless_body_stops_at_the_cap(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(TooLarge):
        await _fetch(f"{server}/endless", _policy(max_bytes=2_000_000, total_timeout=20))
    assert time.monotonic() - started < 10


async def test_trickling_server_stops_at_the_deadline(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        await _fetch(f"{server}/trickle", _policy(total_timeout=3.0))
    assert abs(time.monotonic() - started - 3.0) < 1.0


async def _counting_server(host: str) -> tuple[web.AppRunner, int, list[str]]:
    hits: list[str] = []

    async def any_path(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(text="<html><p>x</p></html>", content_type="text/html")

    app = web.Application()
    app.add_routes([web.get("/{p:.*}", any_path)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, 0).start()
    return runner, runner.addresses[0][1], hits


@pytest.fixture
async def counted() -> AsyncIterator[tuple[int, list[str]]]:
    """A loopback server on 127.0.0.1 that records every request reaching it."""
    runner, port, hits = await _counting_server("127.0.0.1")
    try:
        yield port, hits
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("host", [
    "127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "localhost",
    "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[64:ff9b::7f00:1]",
])
async def test_every_form_of_a_refused_address_is_refused_before_connecting(
        counted: tuple[int, list[str]], host: str) -> None:
    port, hits = counted
    with pytest.raises(BlockedAddress):
        await _fetch(f"http://{host}:{port}/page", _policy(guard=AddressGuard()))
    assert hits == []
    # the same server is reachable when its network is allowed (the test can fail)
    await _fetch(f"http://127.0.0.1:{port}/page")
    assert hits == ["/page"]


async def test_redirects_to_refused_forms_are_refused_before_connecting(server: str) -> None:
    """The first hop (127.0.0.1) is allowed; each target is another, refused address."""
    runner, port, hits = await _counting_server("127.0.0.2")
    try:
        for target in (f"http://127.0.0.2:{port}/x", f"http://2130706434:{port}/x",
                       f"http://0x7f000002:{port}/x", f"http://[::ffff:127.0.0.2]:{port}/x",
                       "http://100.100.100.200/",
                       "http://168.63.129.16/", "http://[fd00:ec2::254]/"):
            with pytest.raises(BlockedAddress):
                await _fetch(f"{server}/redirect?to={target}")
        assert hits == []
        await _fetch(f"{server}/redirect?to=http://127.0.0.2:{port}/x",
                     _policy(guard=AddressGuard(["127.0.0.0/30"])))
        assert hits == ["/x"]
    finally:
        await runner.cleanup()


def _self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    """A key and a self-signed certificate valid for ``name`` only (openssl CLI: the
    ``cryptography`` package is not installed)."""
    san = f"IP:{name}" if name[0].isdigit() else f"DNS:{name}"
    key, cert = directory / f"{name}.key.pem", directory / f"{name}.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", f"/CN={name}", "-addext", f"subjectAltName={san}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return key, cert


async def _tls_site(key: Path, cert: Path) -> tuple[web.AppRunner, int]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    runner = web.AppRunner(_app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    return runner, runner.addresses[0][1]


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[str]:
    """The same site over HTTPS with a self-signed certificate for 127.0.0.1."""
    runner, port = await _tls_site(*_self_signed(tmp_path, "127.0.0.1"))
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def _names(*names: str) -> Resolver:
    """A resolver that answers 127.0.0.1 for ``names`` and nothing else."""
    def lookup(host: str, port: int) -> list[tuple[Any, ...]]:
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
    return Resolver(lookup=lookup)


@pytest.mark.parametrize("kind", ["sharded", "client"])
async def test_a_second_name_on_the_same_address_is_verified_on_its_own_connection(
        tmp_path: Path, kind: str) -> None:
    """a.test and b.test both resolve to 127.0.0.1; the server's certificate is valid for
    a.test only and is the one trusted root. Fetching a.test succeeds; b.test must then fail
    verification, not reuse the connection verified for a.test."""
    key, cert = _self_signed(tmp_path, "a.test")
    runner, port = await _tls_site(key, cert)
    trust = ssl.create_default_context(cafile=str(cert))
    policy = _policy(guard=AddressGuard(["127.0.0.1/32"], resolver=_names("a.test", "b.test")))
    client = (ShardedClient(IngestSettings(), shards=1, verify=trust) if kind == "sharded"
              else make_client(IngestSettings(), verify=trust))
    try:
        async with client:
            assert (await fetch(f"https://a.test:{port}/ok", client, policy)).body == PAGE
            with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):
                await fetch(f"https://b.test:{port}/ok", client, policy)
            assert (await fetch(f"https://a.test:{port}/ok", client, policy)).body == PAGE
    finally:
        await runner.cleanup()


async def test_tls_is_verified_by_every_shard_of_the_ingest_client(tls_server: str) -> None:
    async with ShardedClient(IngestSettings(), shards=4) as client:
        contexts = {id(shard._pool._ssl_context) for shard in client.shards}
        assert len(contexts) == 1  # one context, built once, shared
        context = client.shards[0]._pool._ssl_context
        assert context is not None
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
        with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):
            await fetch(f"{tls_server}/ok", client, _policy())


async def test_a_warm_fetch_looks_up_no_modules(server: str) -> None:
    """Each fetch must not retry a failing import: httpcore imports sniffio on every lock it
    creates, and without sniffio installed each of those imports scanned sys.path (a third of
    ingest's CPU per page in the fetch benchmark)."""
    import sys
    from importlib.abc import MetaPathFinder

    class Counter(MetaPathFinder):
        def __init__(self) -> None:
            self.names: list[str] = []

        def find_spec(self, name, path=None, target=None):  # type: ignore[no-untyped-def]
            self.names.append(name)
            return None  # let the real finders answer

    async with ShardedClient(IngestSettings()) as client:
        await fetch(f"{server}/ok", client, _policy())  # warm: first-use imports happen here
        counter = Counter()
        sys.meta_path.insert(0, counter)
        try:
            for _ in range(5):
                assert (await fetch(f"{server}/ok", client, _policy())).body == PAGE
        finally:
            sys.meta_path.remove(counter)
    assert counter.names == []


async def _fetch_gzip(url: str, policy: FetchPolicy | None = None):  # type: ignore[no-untyped-def]
    async with make_client(IngestSettings()) as client:
        return await fetch(url, client, policy or _policy(), keep_gzip=True)


async def test_keep_gzip_passes_the_origins_gzip_through_uninflated(server: str) -> None:
    page = await _fetch_gzip(f"{server}/ok")
    assert page.content_encoding == "gzip" and page.body[:2] == b"\x1f\x8b"
    assert gzip.decompress(page.body) == PAGE and page.size == len(PAGE)
    plain = await _fetch(f"{server}/ok")  # without it (discovery, robots): inflated
    assert plain.content_encoding == "" and plain.body == PAGE and plain.size == len(PAGE)


async def test_keep_gzip_refuses_a_bomb_by_its_trailer_without_inflating(server: str) -> None:
    with pytest.raises(TooLarge):
        await _fetch_gzip(f"{server}/bomb", _policy(max_bytes=10_000_000))


def test_a_gzip_fingerprint_is_the_content_not_the_compression() -> None:
    from services.ingest.fetch import FetchedPage

    def page(body: bytes, encoding: str) -> FetchedPage:
        return FetchedPage(url="u", final_url="u", status=200, content_type="text/html",
                           body=body, content_encoding=encoding)

    fast, small = gzip.compress(PAGE, 1, mtime=1), gzip.compress(PAGE, 9, mtime=2)
    assert fast != small
    assert page(fast, "gzip").fingerprint == page(small, "gzip").fingerprint
    assert page(fast, "gzip").fingerprint != page(gzip.compress(PAGE + b" "), "gzip").fingerprint
    assert page(PAGE, "").fingerprint == PAGE
