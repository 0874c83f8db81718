"""Polls the feeds and sitemaps listed in settings and publishes only URLs not seen before.

Each document is fetched with conditional GET (the Discoverer keeps ETag / Last-Modified), so
an unchanged feed costs one 304; a server that ignores validators still publishes nothing
twice, because the poller remembers the URLs it has published (bounded, oldest forgotten
first). Across restarts the dedup table of the ingest service keeps a URL from being fetched
again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path

from newswire.settings import IngestSettings
from services.ingest.discover import Discoverer, DiscoverResult

__all__ = ["FeedPoller", "configured_feeds"]

log = logging.getLogger(__name__)

Publish = Callable[[str], Awaitable[None]]


def configured_feeds(cfg: IngestSettings) -> list[str]:
    feeds = list(cfg.feeds)
    if cfg.feeds_file is not None:
        lines = Path(cfg.feeds_file).read_text(encoding="utf-8").splitlines()
        feeds += [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    return list(dict.fromkeys(feeds))


class FeedPoller:
    def __init__(self, discoverer: Discoverer, feeds: list[str], publish: Publish, *,
                 remember: int = 200_000,
                 on_poll: Callable[[DiscoverResult, int], None] | None = None) -> None:
        self.discoverer = discoverer
        self.feeds = feeds
        self.publish = publish
        self.remember = remember
        self.on_poll = on_poll
        self.published: OrderedDict[str, None] = OrderedDict()

    async def poll_once(self) -> int:
        """One pass over every feed; returns how many new URLs were published."""
        result = await self.discoverer.discover(self.feeds)
        new = 0
        for url in result.articles:
            if url in self.published:
                self.published.move_to_end(url)
                continue
            await self.publish(url)
            self.published[url] = None
            new += 1
            while len(self.published) > self.remember:
                self.published.popitem(last=False)
        for url, why in result.errors:
            log.warning("feed %s: %s", url, why)
        if self.on_poll is not None:
            self.on_poll(result, new)
        return new

    async def run(self, interval: float) -> None:
        while True:
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # a bad feed must not stop polling the others next time
                log.exception("feed poll failed")
            await asyncio.sleep(interval)
