"""Per-domain request spacing shared by every concurrent fetch of one worker."""

from __future__ import annotations

import asyncio
import time

__all__ = ["DomainThrottle"]


class DomainThrottle:
    """At most ``rps`` request starts per second per domain (0 = unlimited).

    Each call reserves the next free slot for its domain and sleeps until it, so concurrent
    fetches of one domain are spaced evenly while other domains are not delayed at all.
    """

    def __init__(self, rps: float) -> None:
        self.interval = 1.0 / rps if rps > 0 else 0.0
        self._next: dict[str, float] = {}

    async def wait(self, domain: str) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        slot = max(now, self._next.get(domain, 0.0))
        self._next[domain] = slot + self.interval
        if len(self._next) > 100_000:  # forget domains whose slots have passed
            self._next = {d: t for d, t in self._next.items() if t > now}
        if slot > now:
            await asyncio.sleep(slot - now)
