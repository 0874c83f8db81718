"""Name resolution for the fetcher: its own bounded threads and a timeout per lookup.

    await Resolver(timeout=5.0, workers=16).addresses(host, port) -> ["93.184.216.34", ...]

Lookups used to run in the event loop's default executor (a handful of threads shared with
everything else), so a few domains whose name servers never answer held every thread and all
other fetches waited behind them. Here lookups run on the resolver's own threads, concurrent
lookups of one name share one thread (a hung domain holds at most one per port), and a caller
waits at most ``timeout`` seconds: then DnsTimeout (retriable). A temporary resolver failure
(EAI_AGAIN) is retriable too; an unknown name is permanent. A thread stuck in getaddrinfo
cannot be interrupted: it is freed when the system resolver gives up.

``lookup`` is the seam for tests: a function like ``socket.getaddrinfo(host, port)`` called on
a resolver thread, returning getaddrinfo's 5-tuples.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from newswire.errors import DnsTimeout, FetchError, TransientNetworkError

__all__ = ["Lookup", "Resolver", "default_resolver"]

Lookup = Callable[[str, int], Sequence[tuple[Any, ...]]]


def _getaddrinfo(host: str, port: int) -> Sequence[tuple[Any, ...]]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


class Resolver:
    def __init__(self, timeout: float = 5.0, workers: int = 16,
                 lookup: Lookup = _getaddrinfo) -> None:
        self.timeout = timeout
        self.workers = workers
        self._lookup = lookup
        self._executor: ThreadPoolExecutor | None = None  # threads start on first use
        self._pending: dict[tuple[str, int], asyncio.Future[Sequence[tuple[Any, ...]]]] = {}

    async def addresses(self, host: str, port: int) -> list[str]:
        key = (host, port)
        loop = asyncio.get_running_loop()
        shared = self._pending.get(key)
        if shared is None or shared.get_loop() is not loop:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, "newswire-dns")
            shared = loop.run_in_executor(self._executor, self._lookup, host, port)
            self._pending[key] = shared
            shared.add_done_callback(lambda done: self._settled(key, done))
        try:
            infos = await asyncio.wait_for(asyncio.shield(shared), self.timeout)
        except TimeoutError:
            raise DnsTimeout(f"{host!r} did not resolve within {self.timeout:g}s") from None
        except socket.gaierror as exc:
            error = TransientNetworkError if exc.errno == socket.EAI_AGAIN else FetchError
            raise error(f"cannot resolve {host!r}: {exc}") from None
        except (UnicodeError, OSError) as exc:
            raise FetchError(f"cannot resolve {host!r}: {exc}") from None
        addresses = [str(info[4][0]).split("%")[0] for info in infos]
        if not addresses:
            raise FetchError(f"{host!r} resolves to no address")
        return addresses

    def _settled(self, key: tuple[str, int], done: asyncio.Future[Any]) -> None:
        if self._pending.get(key) is done:
            del self._pending[key]
        if not done.cancelled():
            done.exception()  # retrieved: every caller may have timed out already

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


_default: Resolver | None = None


def default_resolver() -> Resolver:
    """The process's shared resolver with default settings (created on first use)."""
    global _default  # one lazily created resource per process
    if _default is None:
        _default = Resolver()
    return _default
