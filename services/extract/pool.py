"""CPU work off the event loop: a process pool with a hard time budget per document.

Built on pebble: a task over its budget has its worker process killed and replaced, and each
worker runs under an address-space limit, so a pathological page costs one worker, never the
service. The event loop keeps heart-beating, committing and serving /metrics meanwhile.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from newswire.errors import (
    ExtractionTimeout,
    NewswireError,
    PoolBroken,
    WorkerCrashed,
    WorkerError,
)

__all__ = ["ParserPool", "WorkerCrashed"]

log = logging.getLogger(__name__)
T = TypeVar("T")


def _die_with_parent() -> None:
    """Linux: the kernel SIGKILLs this process when the service process dies. A SIGKILLed
    service must not leave parser processes running, holding what they inherited: a worker
    forked after the service's site started holds its /metrics socket, and the restarted
    service could not bind the port while it lived."""
    import ctypes
    import ctypes.util
    import os
    import signal

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _init_worker(memory_mb: int, warm: Callable[[], None] | None) -> None:
    import resource
    import signal

    _die_with_parent()
    # Forked from the service process: drop its asyncio signal wake-up fd and handlers, or the
    # SIGTERM pebble sends a worker over its budget reaches the service's shutdown handler.
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)

    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if warm is not None:
        warm()


class ParserPool:
    def __init__(self, workers: int, memory_mb: int = 1024,
                 warm: Callable[[], None] | None = None) -> None:
        self.workers = workers
        self._args = (memory_mb, warm)
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPool:
        return ProcessPool(max_workers=self.workers, initializer=_init_worker,
                           initargs=self._args)

    async def run(self, fn: Callable[..., T], *args: Any, budget: float) -> T:
        future = self._pool.schedule(fn, args=args, timeout=budget)
        try:
            return await asyncio.wrap_future(future)
        except concurrent.futures.TimeoutError:
            raise ExtractionTimeout(f"{fn.__name__} exceeded its {budget:g}s budget") from None
        except ProcessExpired as exc:
            raise WorkerCrashed(f"parser process died (exit code {exc.exitcode})") from None
        except BrokenProcessPool as exc:
            log.error("parser pool broken (%s); rebuilding it", exc)
            self._pool.stop()
            self._pool = self._new_pool()
            raise PoolBroken(f"parser pool broken: {exc}") from None
        except MemoryError:
            raise WorkerCrashed("parser process ran out of its memory budget") from None
        except NewswireError:
            raise
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            raise WorkerError(f"{type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        self._pool.stop()
        self._pool.join(timeout=5)
