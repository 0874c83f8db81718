"""The per-domain scheduler: spacing holds across concurrent fetches, and a throttled or slow
domain never holds back the others."""

from __future__ import annotations

import asyncio
import functools
import time

import pytest

from newswire.errors import RobotsDisallowed
from services.ingest.scheduler import DomainScheduler
from tests.ingest.ingest_site import max_in_window


async def test_per_domain_rate_holds_across_concurrent_fetches() -> None:
    sched = DomainScheduler(10, max_in_flight=100, per_domain_concurrency=8)
    starts: list[float] = []

    async def work() -> None:
        starts.append(time.monotonic())
        await asyncio.sleep(0.3)  # slower than the spacing: fetches overlap

    await asyncio.gather(*(sched.run("a.example", f"u{i}", "o", work) for i in range(25)))
    assert len(starts) == 25
    assert max_in_window(sorted(starts)) <= 11
    assert starts[-1] - starts[0] >= 2.3


async def test_a_throttled_domain_does_not_hold_back_others() -> None:
    sched = DomainScheduler(1, max_in_flight=8, per_domain_concurrency=2)
    done: dict[str, float] = {}
    started = time.monotonic()

    async def work(name: str) -> None:
        await asyncio.sleep(0.01)
        done[name] = time.monotonic() - started

    busy = [asyncio.create_task(sched.run("busy", f"b{i}", "o", functools.partial(work, f"b{i}")))
            for i in range(200)]
    await asyncio.sleep(0.05)
    await asyncio.gather(*(sched.run(f"d{i}", "u", "o", functools.partial(work, f"d{i}"))
                           for i in range(50)))
    assert max(done[f"d{i}"] for i in range(50)) < 1.0
    assert sum(1 for k in done if k.startswith("b")) <= 3  # 1 per second
    assert sched.queued >= 190
    for task in busy:
        task.cancel()
    await asyncio.gather(*busy, return_exceptions=True)


async def test_a_slow_domain_holds_at_most_its_own_share_of_slots() -> None:
    sched = DomainScheduler(0, max_in_flight=6, per_domain_concurrency=2)
    release = asyncio.Event()
    fast_done = asyncio.Event()
    fast_count = 0

    async def slow() -> None:
        await release.wait()

    async def fast() -> None:
        nonlocal fast_count
        fast_count += 1
        if fast_count == 40:
            fast_done.set()

    slow_tasks = [asyncio.create_task(sched.run("slow", f"s{i}", "o", slow))
                  for i in range(50)]
    await asyncio.sleep(0.05)
    assert sched.in_flight == 2
    await asyncio.gather(*(sched.run(f"f{i % 10}", "u", "o", fast) for i in range(40)))
    assert fast_done.is_set()
    release.set()
    await asyncio.gather(*slow_tasks)
    assert sched.in_flight == 0


class FakeRobots:
    def __init__(self) -> None:
        self.loaded: list[tuple[str, float]] = []

    def fresh(self, origin: str) -> bool:
        return any(o == origin for o, _ in self.loaded)

    async def load(self, origin: str) -> None:
        self.loaded.append((origin, time.monotonic()))

    def allowed(self, url: str) -> bool:
        return "/private" not in url

    def crawl_delay(self, origin: str) -> float | None:
        return 0.5 if origin == "http://slow" else None


async def test_robots_take_their_own_slot_refuse_and_set_crawl_delay() -> None:
    robots = FakeRobots()
    refusals: list[int] = []
    sched = DomainScheduler(0, robots=robots, on_robots_refusal=lambda: refusals.append(1))
    ran: list[tuple[str, float]] = []

    async def work(url: str) -> str:
        ran.append((url, time.monotonic()))
        return url

    with pytest.raises(RobotsDisallowed):
        await sched.run("x", "http://x/private/a", "http://x", lambda: work("p"))
    assert await sched.run("x", "http://x/news/a", "http://x", lambda: work("a")) == "a"
    assert [u for u, _ in ran] == ["a"] and refusals == [1]
    assert [o for o, _ in robots.loaded] == ["http://x"]
    # Crawl-delay: 0.5 s between the starts of one domain although rps is unlimited
    await asyncio.gather(*(sched.run("slow", f"http://slow/{i}", "http://slow",
                                     functools.partial(work, f"s{i}")) for i in range(3)))
    times = [t for u, t in ran if u.startswith("s")]
    assert times[1] - times[0] >= 0.45 and times[2] - times[1] >= 0.45
