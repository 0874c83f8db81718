"""The fetcher's HTTP clients, connecting only to addresses the guard checked.

    with pinned(host, address): await client.send(request)   # host as in request.url

Requests keep the URL's host name, so connections are pooled per (scheme, host, port) and TLS
sends SNI for and verifies the certificate against that host. Only the network backend knows
the address: it connects to the address pinned for the host in the current task, and refuses a
host with no pinned address. (Requests used to be sent to the address itself, with SNI set to
the name: the pool then keyed connections by address, and a connection verified for one name
was reused for every other name on the same address, unverified.)

``transport_error`` converts httpx errors at this edge: interruptions that a later attempt can
get past (connection reset or refused, a server closing a kept-alive connection as the request
went out) are retriable; TLS failures and everything else are permanent.
"""

from __future__ import annotations

import contextlib
import ssl
import zlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

from newswire.errors import (
    FetchError,
    FetchTimeout,
    InvalidUrl,
    NewswireError,
    TransientNetworkError,
)
from newswire.settings import IngestSettings

__all__ = ["Client", "ShardedClient", "make_client", "pinned", "transport_error"]

_PIN: ContextVar[tuple[str, str] | None] = ContextVar("newswire_pinned_address", default=None)


@contextlib.contextmanager
def pinned(host: str, address: str) -> Iterator[None]:
    """Connections opened for ``host`` (the request URL's raw host) in this block go to
    ``address``."""
    token = _PIN.set((host, address))
    try:
        yield
    finally:
        _PIN.reset(token)


class UnpinnedHost(httpcore.ConnectError):
    """A connection was asked for a host the guard did not check (a bug, never retried)."""


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        pin = _PIN.get()
        if pin is None or pin[0] != host:
            raise UnpinnedHost(f"no checked address for {host!r}")
        return await self._inner.connect_tcp(pin[1], port, timeout=timeout,
                                             local_address=local_address,
                                             socket_options=socket_options)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise UnpinnedHost("unix sockets are never used by the fetcher")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _transport(context: ssl.SSLContext, limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """An httpx transport (its error mapping, its response streams) over a pool whose
    network backend connects to pinned addresses only."""
    transport = httpx.AsyncHTTPTransport(verify=context, limits=limits, trust_env=False)
    # httpx offers no network_backend option: its pool is replaced by an equal one that has ours
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=context, max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry, network_backend=_PinnedBackend())
    return transport


def _context(verify: ssl.SSLContext | None) -> ssl.SSLContext:
    # what verify=True builds (~20 ms of CPU each, so built once per client)
    return verify if verify is not None else httpx.create_ssl_context(trust_env=False)


def _timeout(ingest: IngestSettings) -> httpx.Timeout:
    return httpx.Timeout(connect=ingest.connect_timeout, read=ingest.read_timeout,
                         write=ingest.read_timeout, pool=ingest.total_timeout)


def make_client(ingest: IngestSettings, *, verify: ssl.SSLContext | None = None
                ) -> httpx.AsyncClient:
    """A client for fetch() (discovery, tests). Redirects are followed by fetch() itself; TLS
    verification is always on (``verify``: a context with other trusted roots). An ingest
    worker uses ShardedClient instead, so that hundreds of fetches can be in flight."""
    limits = httpx.Limits(
        max_connections=max(ingest.concurrency * 2, ingest.max_in_flight, 10),
        max_keepalive_connections=max(ingest.concurrency, ingest.max_in_flight))
    return httpx.AsyncClient(timeout=_timeout(ingest), follow_redirects=False, trust_env=False,
                             transport=_transport(_context(verify), limits))


class ShardedClient:
    """Several httpx transports (connection pools) behind the two methods fetch() uses, one
    shard per host.

    httpcore's pool matches every queued request against every pooled connection on each
    event (quadratic in the pool size), which limits one pool with hundreds of connections
    to a few hundred requests a second; shards keep each pool small. By default there is one
    shard per ``per_domain_concurrency`` fetches in flight (64 shards of 8 connections for the
    default 256 in flight): with 16 shards of 32 connections, checking every pooled connection
    for expiry on each request cost about a quarter of the fetcher's CPU (fetch benchmark,
    50 hosts, three alternating runs: 1.82 -> 1.39 ms of CPU per page).

    Requests go straight to the transport: fetch() follows redirects itself and a crawler
    keeps no cookies, so AsyncClient's redirect, auth and cookie layers were pure overhead.
    The transport still maps httpcore errors to httpx's, and the timeouts travel in the
    request's extensions as AsyncClient would put them there."""

    def __init__(self, ingest: IngestSettings, shards: int | None = None, *,
                 verify: ssl.SSLContext | None = None) -> None:
        in_flight = max(ingest.max_in_flight, ingest.concurrency)
        if shards is None:
            shards = max(16, -(-in_flight // max(1, ingest.per_domain_concurrency)))
        per = max(1, -(-in_flight // shards))
        context = _context(verify)  # one verifying context for all shards
        limits = httpx.Limits(max_connections=per * 2, max_keepalive_connections=per * 2)
        self.shards = [_transport(context, limits) for _ in range(shards)]
        self._timeout = _timeout(ingest).as_dict()

    def build_request(self, method: str, url: str, *, headers: dict[str, str],
                      extensions: dict[str, Any] | None = None) -> httpx.Request:
        return httpx.Request(method, url, headers=headers,
                             extensions={"timeout": self._timeout, **(extensions or {})})

    async def send(self, request: httpx.Request, *, stream: bool = True) -> httpx.Response:
        """The response with its body unread (like AsyncClient.send(stream=True))."""
        if not stream:
            raise ValueError("ShardedClient only streams; read the body with aiter_raw()")
        host = request.headers.get("host", "")
        shard = self.shards[zlib.crc32(host.encode()) % len(self.shards)]
        response = await shard.handle_async_request(request)
        response.request = request
        return response

    async def aclose(self) -> None:
        for shard in self.shards:
            await shard.aclose()

    async def __aenter__(self) -> ShardedClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()


Client = httpx.AsyncClient | ShardedClient

# A server closing a kept-alive connection just as a request goes out, or mid-body.
_DISCONNECTED = ("Server disconnected", "peer closed connection")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _transient(exc: httpx.HTTPError) -> bool:
    for cause in _causes(exc):
        if isinstance(cause, UnpinnedHost):
            return False
        if isinstance(cause, ssl.SSLError):  # certificate, handshake: the same next time
            return isinstance(cause, ssl.SSLEOFError)  # except a connection cut mid-TLS
    if isinstance(exc, httpx.NetworkError):  # connect, read, write, close: reset, refused
        return True
    return isinstance(exc, httpx.RemoteProtocolError) and str(exc).startswith(_DISCONNECTED)


def transport_error(exc: httpx.HTTPError | httpx.InvalidURL) -> NewswireError:
    """The newswire error for an httpx error (see the module docstring)."""
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, httpx.TimeoutException):
        return FetchTimeout(detail)
    if isinstance(exc, httpx.InvalidURL):
        return InvalidUrl(str(exc))
    if _transient(exc):
        return TransientNetworkError(detail)
    return FetchError(detail)
