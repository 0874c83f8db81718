"""Per-domain politeness without head-of-line blocking.

Every fetch of a worker goes through one ``DomainScheduler``. Each domain has its own queue
and one small runner task; the runner alone waits for the domain's next start slot, so a
slow or heavily throttled domain waits *in its queue* and never occupies one of the global
fetch slots (``max_in_flight``) that other domains need. A fetch holds a global slot only
while it is actually talking to the origin.

Spacing is start to start: a domain's next slot is set when a fetch really starts (after it
got its global slot), so fetches that waited for a global slot cannot start in a burst.
robots.txt is fetched by the runner, in a slot of its own, before the first page of a host;
its Crawl-delay widens the spacing of the domain.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from newswire.errors import NewswireError, RobotsDisallowed

__all__ = ["DomainScheduler", "RobotsPolicy"]

log = logging.getLogger(__name__)


class RobotsPolicy(Protocol):
    def fresh(self, origin: str) -> bool: ...
    async def load(self, origin: str) -> None: ...
    def allowed(self, url: str) -> bool: ...
    def crawl_delay(self, origin: str) -> float | None: ...


@dataclass
class _Job:
    url: str
    origin: str
    work: Callable[[], Awaitable[Any]]
    future: asyncio.Future[Any]
    check_robots: bool = True


@dataclass
class _Domain:
    queue: deque[_Job] = field(default_factory=deque)
    next_start: float = 0.0
    interval: float = 0.0
    running: int = 0
    slot_free: asyncio.Event = field(default_factory=asyncio.Event)
    runner: asyncio.Task[None] | None = None


class DomainScheduler:
    def __init__(self, rps: float, *, max_in_flight: int = 256, per_domain_concurrency: int = 4,
                 robots: RobotsPolicy | None = None, max_crawl_delay: float = 30.0,
                 on_robots_refusal: Callable[[], None] | None = None) -> None:
        self.base_interval = 1.0 / rps if rps > 0 else 0.0
        self.per_domain = max(1, per_domain_concurrency)
        self.robots = robots
        self.max_crawl_delay = max_crawl_delay
        self.on_robots_refusal = on_robots_refusal
        self._global = asyncio.Semaphore(max(1, max_in_flight))
        self._domains: dict[str, _Domain] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.in_flight = 0

    @property
    def queued(self) -> int:
        return sum(len(d.queue) for d in self._domains.values())

    async def run(self, domain: str, url: str, origin: str,
                  work: Callable[[], Awaitable[Any]], *, check_robots: bool = True) -> Any:
        """Run ``work`` (one fetch) when the domain's politeness allows; returns its result.
        Raises RobotsDisallowed without running it when robots.txt forbids the URL."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        state = self._domains.get(domain)
        if state is None:
            if len(self._domains) > 50_000:
                self._forget_idle()
            state = self._domains[domain] = _Domain(interval=self.base_interval)
        state.queue.append(_Job(url, origin, work, future, check_robots))
        if state.runner is None or state.runner.done():
            state.runner = asyncio.create_task(self._runner(domain, state),
                                               name=f"domain-runner:{domain}")
        return await future

    def _forget_idle(self) -> None:
        now = time.monotonic()
        for name, state in list(self._domains.items()):
            if not state.queue and not state.running and state.next_start <= now:
                del self._domains[name]

    def backoff(self, domain: str, seconds: float) -> None:
        """The origin asked us to slow down (429/503 Retry-After): push the next start."""
        state = self._domains.get(domain)
        if state is not None:
            state.next_start = max(state.next_start, time.monotonic() + seconds)

    async def _wait_slot(self, state: _Domain) -> None:
        delay = state.next_start - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def _started(self, state: _Domain) -> None:
        state.next_start = time.monotonic() + state.interval

    async def _runner(self, domain: str, state: _Domain) -> None:
        try:
            while state.queue:
                job = state.queue[0]
                if job.future.done():  # the caller went away (cancelled)
                    state.queue.popleft()
                    continue
                if self.robots is not None and job.check_robots:
                    try:
                        await self._robots_check(state, job)
                    except NewswireError as exc:
                        state.queue.popleft()
                        if not job.future.done():
                            job.future.set_exception(exc)
                        continue
                while state.running >= self.per_domain:
                    state.slot_free.clear()
                    await state.slot_free.wait()
                await self._wait_slot(state)
                await self._global.acquire()
                state.queue.popleft()
                if job.future.done():
                    self._global.release()
                    continue
                self._started(state)
                state.running += 1
                self.in_flight += 1
                task = asyncio.create_task(self._execute(state, job))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        finally:
            # Forget idle domains, but keep the spacing if a fetch started just now.
            if (not state.queue and state.running == 0 and self._domains.get(domain) is state
                    and state.next_start <= time.monotonic()):
                del self._domains[domain]

    async def _robots_check(self, state: _Domain, job: _Job) -> None:
        assert self.robots is not None
        if not self.robots.fresh(job.origin):
            while state.running >= self.per_domain:
                state.slot_free.clear()
                await state.slot_free.wait()
            await self._wait_slot(state)
            async with self._global:
                self._started(state)
                self.in_flight += 1
                try:
                    await self.robots.load(job.origin)
                finally:
                    self.in_flight -= 1
        delay = self.robots.crawl_delay(job.origin)
        state.interval = max(self.base_interval, min(delay or 0.0, self.max_crawl_delay))
        if not self.robots.allowed(job.url):
            if self.on_robots_refusal is not None:
                self.on_robots_refusal()
            raise RobotsDisallowed(f"robots.txt of {job.origin} disallows {job.url}")

    async def _execute(self, state: _Domain, job: _Job) -> None:
        try:
            result = await job.work()
        except asyncio.CancelledError:
            if not job.future.done():
                job.future.cancel()
            raise
        except BaseException as exc:  # handed to the caller, who decides
            if not job.future.done():
                job.future.set_exception(exc)
        else:
            if not job.future.done():
                job.future.set_result(result)
        finally:
            self._global.release()
            state.running -= 1
            self.in_flight -= 1
            state.slot_free.set()
