"""The cap on body bytes held by all fetches in progress: the budget alone, then fetches of
real loopback pages sharing one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web

from newswire.settings import IngestSettings
from services.ingest.budget import ByteBudget
from services.ingest.fetch import FetchPolicy, fetch, make_client
from services.ingest.guard import AddressGuard

KB = 1024


async def test_a_take_waits_while_the_budget_is_spent_and_resumes_on_release() -> None:
    budget = ByteBudget(100)
    with budget.hold() as first:
        await first.take(80)
        second_done = asyncio.Event()

        async def second() -> None:
            with budget.hold() as hold:
                await hold.take(30)
                second_done.set()

        task = asyncio.create_task(second())
        await asyncio.sleep(0.05)
        assert not second_done.is_set() and budget.waiting == 1 and budget.used == 80
    await task  # the first hold ended: its 80 bytes came back
    assert budget.used == 0 and budget.waiting == 0


async def test_the_oldest_hold_never_waits_so_partial_holders_cannot_deadlock() -> None:
    budget = ByteBudget(100)
    with budget.hold() as old, budget.hold() as young:
        await young.take(90)
        await asyncio.wait_for(old.take(60), 1)  # past the capacity
        assert budget.used == 150
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(young.take(10), 0.05)  # the young one waits its turn


def test_the_setting() -> None:
    assert IngestSettings().max_inflight_bytes == 128 * 1024 * 1024
    policy = FetchPolicy.from_settings(IngestSettings(max_inflight_bytes=5000))
    assert policy.budget is not None and policy.budget.capacity == 5000


@pytest.fixture
async def site() -> AsyncIterator[tuple[str, asyncio.Event]]:
    """/stall sends 80 KB, then the rest once ``release`` is set; /page/{n} sends n KB."""
    release = asyncio.Event()

    async def stall(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        resp.content_length = 100 * KB
        await resp.prepare(request)
        await resp.write(b"<" + b"s" * (80 * KB - 1))
        await release.wait()
        await resp.write(b"s" * (20 * KB))
        return resp

    async def page(request: web.Request) -> web.Response:
        size = int(request.match_info["kb"]) * KB
        return web.Response(body=b"<" + b"p" * (size - 1), content_type="text/html")

    app = web.Application()
    app.add_routes([web.get("/stall", stall), web.get("/page/{kb}", page)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", release
    finally:
        release.set()
        await runner.cleanup()


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.01)


def _policy(capacity: int, total_timeout: float = 10.0) -> FetchPolicy:
    return FetchPolicy(guard=AddressGuard(["127.0.0.1/32"]), total_timeout=total_timeout,
                       budget=ByteBudget(capacity))


async def test_a_fetch_waits_for_the_budget_and_then_succeeds(
        site: tuple[str, asyncio.Event]) -> None:
    """A 100 KB budget: the stalled page holds 80 KB, so a complete 80 KB page waits (past its
    own deadline) instead of reading, and finishes once the stalled page has."""
    base, release = site
    shared = ByteBudget(100 * KB)
    guard = AddressGuard(["127.0.0.1/32"])
    async with make_client(IngestSettings()) as client:
        stalled = asyncio.create_task(fetch(
            f"{base}/stall", client, FetchPolicy(guard=guard, total_timeout=10.0, budget=shared)))
        waiting = FetchPolicy(guard=guard, total_timeout=1.0, budget=shared)
        await _until(lambda: shared.used >= 80 * KB)
        second = asyncio.create_task(fetch(f"{base}/page/80", client, waiting))
        await _until(lambda: shared.waiting == 1)
        await asyncio.sleep(1.5)  # longer than the waiting fetch's total deadline
        assert not second.done() and shared.used <= 100 * KB
        release.set()
        assert len((await stalled).body) == 100 * KB
        assert len((await second).body) == 80 * KB
    assert shared.used == 0


async def test_pages_larger_than_the_whole_budget_still_complete(
        site: tuple[str, asyncio.Event]) -> None:
    base, _ = site
    policy = _policy(10 * KB)
    async with make_client(IngestSettings()) as client:
        async with asyncio.timeout(20):  # a deadlock would wait for ever: waits are not
            pages = await asyncio.gather(*(  # counted against the fetch's own deadline
                fetch(f"{base}/page/{kb}", client, policy) for kb in (50, 60, 70, 80)))
    assert [len(p.body) for p in pages] == [50 * KB, 60 * KB, 70 * KB, 80 * KB]
    assert policy.budget is not None and policy.budget.used == 0
