"""A cap on the bytes of response bodies held by all fetches in progress.

    budget = ByteBudget(capacity)
    with budget.hold() as hold:
        await hold.take(len(chunk), deadline)   # waits while the budget is spent

A fetch waits (it does not fail) while the others hold the budget: its ``asyncio.timeout``
deadline is paused meanwhile and moved later by the time waited. The oldest open hold is
never made to wait, even past the capacity: it always finishes (or fails on its own deadline
or size cap) and gives its bytes back, so fetches that each hold part of the budget and wait
for more cannot deadlock, and a page larger than the whole budget still completes. At most
``capacity`` plus one page's size cap is held at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Iterator

__all__ = ["ByteBudget", "Hold"]


class ByteBudget:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.used = 0
        self._held: dict[int, int] = {}  # ticket -> bytes, oldest first (tickets only grow)
        self._tickets = itertools.count()
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    @contextlib.contextmanager
    def hold(self) -> Iterator[Hold]:
        ticket = next(self._tickets)
        self._held[ticket] = 0
        try:
            yield Hold(self, ticket)
        finally:
            self.used -= self._held.pop(ticket)
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    def _grants(self, ticket: int, size: int) -> bool:
        return self.used + size <= self.capacity or ticket == next(iter(self._held))

    async def _take(self, ticket: int, size: int, deadline: asyncio.Timeout | None) -> None:
        if self._grants(ticket, size):
            self._grant(ticket, size)
            return
        paused = deadline.when() if deadline is not None and not deadline.expired() else None
        if paused is not None and deadline is not None:
            deadline.reschedule(None)  # waiting for the budget is not the server's time
        started = time.monotonic()
        try:
            while not self._grants(ticket, size):
                waiter = asyncio.get_running_loop().create_future()
                self._waiters.append(waiter)
                try:
                    await waiter
                finally:
                    if waiter in self._waiters:
                        self._waiters.remove(waiter)
        finally:
            if paused is not None and deadline is not None and not deadline.expired():
                deadline.reschedule(paused + time.monotonic() - started)
        self._grant(ticket, size)

    def _grant(self, ticket: int, size: int) -> None:
        self.used += size
        self._held[ticket] += size


class Hold:
    """One fetch's share of the budget, given back when its ``hold()`` block ends."""

    __slots__ = ("_budget", "_ticket")

    def __init__(self, budget: ByteBudget, ticket: int) -> None:
        self._budget = budget
        self._ticket = ticket

    async def take(self, size: int, deadline: asyncio.Timeout | None = None) -> None:
        """Add ``size`` bytes to this hold, waiting while the budget is spent; the time spent
        waiting is added to ``deadline`` (it is paused meanwhile)."""
        await self._budget._take(self._ticket, size, deadline)  # its own budget
