"""Transport failures on loopback, typed by what ingest does next: an interruption that a later
attempt can get past is Retriable (the retry topic), a failure that will repeat is Permanent."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from newswire.errors import FetchError, Permanent, Retriable, TransientNetworkError
from newswire.settings import IngestSettings
from services.ingest.fetch import FetchPolicy, fetch, make_client
from services.ingest.guard import AddressGuard
from services.ingest.resolver import Resolver

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> None:
    await reader.readuntil(b"\r\n\r\n")


async def _reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Read the request, then abort the connection with a TCP RST (SO_LINGER 0)."""
    await _read_request(reader)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Close without answering: what a client sees when the server closes a kept-alive
    connection just as the request goes out."""
    await _read_request(reader)
    writer.close()


async def _cut_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n<p>")
    await writer.drain()
    writer.close()


async def _garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_request(reader)
    writer.write(b"NOT HTTP AT ALL\r\n\r\n")
    await writer.drain()
    writer.close()


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[[Handler], Awaitable[int]]]:
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> int:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def _policy(resolver: Resolver | None = None) -> FetchPolicy:
    return FetchPolicy(guard=AddressGuard(["127.0.0.1/32"], resolver=resolver), total_timeout=5)


async def _fetch(url: str, policy: FetchPolicy | None = None) -> None:
    async with make_client(IngestSettings()) as client:
        await fetch(url, client, policy or _policy())


@pytest.mark.parametrize("handler", [_reset, _hang_up, _cut_body])
async def test_interrupted_connections_are_retriable(
        raw_server: Callable[[Handler], Awaitable[int]], handler: Handler) -> None:
    port = await raw_server(handler)
    with pytest.raises(TransientNetworkError) as info:
        await _fetch(f"http://127.0.0.1:{port}/page")
    assert isinstance(info.value, Retriable) and info.value.reason == "network"


async def test_a_refused_connection_is_retriable() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransientNetworkError):
        await _fetch(f"http://127.0.0.1:{port}/page")


async def test_a_response_that_is_not_http_stays_permanent(
        raw_server: Callable[[Handler], Awaitable[int]]) -> None:
    port = await raw_server(_garbage)
    with pytest.raises(FetchError) as info:
        await _fetch(f"http://127.0.0.1:{port}/page")
    assert isinstance(info.value, Permanent)


def _failing(errno: int) -> Resolver:
    def lookup(host: str, port: int) -> list[tuple[Any, ...]]:
        raise socket.gaierror(errno, "resolver says no")
    return Resolver(lookup=lookup)


async def test_a_temporary_dns_failure_is_retriable() -> None:
    with pytest.raises(TransientNetworkError, match="cannot resolve"):
        await _fetch("http://news.test/page", _policy(_failing(socket.EAI_AGAIN)))


async def test_an_unknown_name_stays_permanent() -> None:
    with pytest.raises(FetchError, match="cannot resolve"):
        await _fetch("http://news.test/page", _policy(_failing(socket.EAI_NONAME)))
