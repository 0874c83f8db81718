"""robots.txt per host (RFC 9309), fetched with the same safe fetcher as pages.

Answers are cached per origin (scheme://host:port) for ``ttl`` seconds:

- 200: the rules are parsed with ``urllib.robotparser`` for our user agent;
- 4xx (no robots.txt): everything is allowed;
- 5xx, 429, timeouts and transport errors: the site is *unavailable* for ``error_ttl`` seconds,
  and a URL on it fails with the retriable reason ``robots_unavailable`` (RFC 9309 says to
  assume complete disallow; we retry later instead of failing for good);
- a refused address or an invalid URL is raised to the caller (the page would fail the same
  way, and no connection is made).
"""

from __future__ import annotations

import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from newswire.errors import (
    BlockedAddress,
    HttpStatus,
    InvalidUrl,
    NewswireError,
    RobotsUnavailable,
)
from services.ingest.fetch import Client, FetchPolicy, fetch_resource

__all__ = ["RobotsCache", "RobotsUnavailable", "origin_of"]

MAX_ROBOTS_BYTES = 512 * 1024


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}".lower()


@dataclass
class _Entry:
    expires: float
    parser: urllib.robotparser.RobotFileParser | None  # None: allow all
    unavailable: str | None = None
    crawl_delay: float | None = None


class RobotsCache:
    def __init__(self, client: Callable[[], Client], policy: FetchPolicy, *,
                 ttl: float = 3600.0, error_ttl: float = 300.0, max_entries: int = 100_000
                 ) -> None:
        self._client = client
        self.policy = policy
        self.user_agent = policy.user_agent
        self.ttl = ttl
        self.error_ttl = error_ttl
        self.max_entries = max_entries
        self._cache: dict[str, _Entry] = {}
        self.fetches = 0

    def fresh(self, origin: str) -> bool:
        entry = self._cache.get(origin)
        return entry is not None and entry.expires > time.monotonic()

    async def load(self, origin: str) -> None:
        self.fetches += 1
        now = time.monotonic()
        try:
            page = await fetch_resource(f"{origin}/robots.txt", self._client(), self.policy,
                                        types=None, accept="text/plain,*/*;q=0.5",
                                        max_bytes=MAX_ROBOTS_BYTES)
        except (BlockedAddress, InvalidUrl):
            raise
        except HttpStatus:
            entry = _Entry(now + self.ttl, None)
        except NewswireError as exc:
            entry = _Entry(now + self.error_ttl, None,
                           unavailable=f"robots.txt of {origin}: {exc.reason}: {exc.detail}")
        else:
            parser = urllib.robotparser.RobotFileParser()
            parser.parse(page.body.decode("utf-8", "replace").splitlines())
            delay = parser.crawl_delay(self.user_agent)
            entry = _Entry(now + self.ttl, parser,
                           crawl_delay=float(delay) if delay is not None else None)
        if len(self._cache) >= self.max_entries:
            self._cache = {k: v for k, v in self._cache.items() if v.expires > now}
        self._cache[origin] = entry

    def allowed(self, url: str) -> bool:
        entry = self._cache.get(origin_of(url))
        if entry is None:
            return True
        if entry.unavailable:
            raise RobotsUnavailable(entry.unavailable)
        return entry.parser is None or entry.parser.can_fetch(self.user_agent, url)

    def crawl_delay(self, origin: str) -> float | None:
        entry = self._cache.get(origin)
        return entry.crawl_delay if entry is not None else None
