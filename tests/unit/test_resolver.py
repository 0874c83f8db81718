"""Name resolution: a domain whose name server never answers must not hold up the others."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import web

from newswire.errors import DnsTimeout, Retriable
from newswire.settings import IngestSettings
from services.ingest.fetch import FetchPolicy, fetch, make_client
from services.ingest.resolver import Resolver


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    """Lookups of hang.test block until the test ends."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch, gate: threading.Event) -> list[str]:
    """socket.getaddrinfo answers 127.0.0.1 for *.test names, after ``gate`` for hang.test;
    returns the names looked up."""
    real = socket.getaddrinfo
    names: list[str] = []

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if not str(host).endswith(".test"):
            return real(host, port, *args, **kwargs)
        names.append(host)
        if host == "hang.test":
            gate.wait(30)
        return real("127.0.0.1", port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


@pytest.fixture
async def port() -> AsyncIterator[int]:
    async def ok(_: web.Request) -> web.Response:
        return web.Response(text="<html><p>ok</p></html>", content_type="text/html")

    app = web.Application()
    app.add_routes([web.get("/ok", ok)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


async def test_a_hung_domain_does_not_delay_fetches_of_other_domains(
        dns: list[str], port: int) -> None:
    """Twelve fetches of a domain whose lookups hang (more than the loop's default executor
    has threads on a small machine), then fetches of five other domains: those finish before
    the hung lookups time out, and every hung fetch ends with DnsTimeout (retriable)."""
    settings = IngestSettings(allow_networks=["127.0.0.1/32"], dns_timeout=2.0,
                              total_timeout=20.0)
    policy = FetchPolicy.from_settings(settings)
    async with make_client(settings) as client:
        hung = [asyncio.create_task(fetch(f"http://hang.test:{port}/ok", client, policy))
                for _ in range(12)]
        await asyncio.sleep(0.1)  # every hung lookup has started
        others = [fetch(f"http://site{i}.test:{port}/ok", client, policy) for i in range(5)]
        async with asyncio.timeout(settings.dns_timeout):
            pages = await asyncio.gather(*others)
        assert all(page.status == 200 for page in pages)
        assert not any(task.done() for task in hung)
        errors = await asyncio.gather(*hung, return_exceptions=True)
    assert all(isinstance(e, DnsTimeout) and isinstance(e, Retriable) for e in errors), errors
    assert dns.count("hang.test") == 1  # twelve callers, one lookup thread


async def test_a_hung_lookup_ends_with_the_timeout_error(gate: threading.Event) -> None:
    def lookup(host: str, port: int) -> list[tuple[Any, ...]]:
        gate.wait(30)
        return []

    resolver = Resolver(timeout=0.3, workers=1, lookup=lookup)
    try:
        with pytest.raises(DnsTimeout, match=r"did not resolve within 0\.3s"):
            await resolver.addresses("hang.test", 443)
    finally:
        resolver.close()
