"""Dedup state of URLs, kept on a Kafka topic so it survives restarts and rebalances.

``news.url.seen`` is keyed by canonical URL (compacted on a real cluster); each value is the
URL's latest state: ``inflight`` (claimed by one UrlSubmitted event, by its event id),
``done`` (fetched and published, with ETag / Last-Modified / body hash for a refresh) or
``failed``. A URL's state is written to the partition of news.url.seen with the number of the
news.url.submitted partition it came from (URL topics are keyed by domain, so all copies of a
URL arrive on one partition), and a worker holds only the partitions it owns
(``seen_topic.py`` loads them; a partition that moves in a rebalance takes its history along).

Memory is bounded: an entry older than ``ttl`` counts as absent and is dropped, and past
``max_entries`` the oldest entries go first. A URL forgotten that way is simply fetched again
(every write downstream is idempotent). This module is the pure core: no Kafka.

Claims are decided synchronously in memory (no await between the test and the set), so two
copies of one URL handled concurrently by one worker cannot both be fetched.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import orjson

__all__ = ["Decision", "SeenEntry", "SeenTable", "should_fetch"]

State = Literal["inflight", "done", "failed"]
Decision = Literal["fetch", "duplicate"]
Writer = Callable[[str, bytes, int], Awaitable[None]]  # url, encoded entry, partition


@dataclass(frozen=True, slots=True)
class SeenEntry:
    state: State
    at: float
    claim: str = ""
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None

    def encode(self) -> bytes:
        return orjson.dumps({"s": self.state, "at": self.at, "claim": self.claim,
                             "etag": self.etag, "lm": self.last_modified,
                             "hash": self.body_hash})

    @classmethod
    def decode(cls, data: bytes) -> SeenEntry | None:
        try:
            obj = orjson.loads(data)
            if obj.get("s") not in ("inflight", "done", "failed"):
                return None
            return cls(obj["s"], float(obj["at"]), str(obj.get("claim") or ""),
                       obj.get("etag"), obj.get("lm"), obj.get("hash"))
        except (orjson.JSONDecodeError, TypeError, ValueError, KeyError, AttributeError):
            return None


def should_fetch(entry: SeenEntry | None, event_id: str, *, refresh: bool, now: float,
                 inflight_ttl: float, failed_ttl: float) -> bool:
    """Dedup: fetch unless the URL is done, in flight for another event, or failed lately."""
    return (
        refresh or entry is None
        # the same event again (a retry, or a redelivery after a crash mid-fetch)
        or (entry.state == "inflight" and entry.claim == event_id)
        or (entry.state == "inflight" and now - entry.at > inflight_ttl)
        or (entry.state == "failed" and now - entry.at > failed_ttl)
    )


class SeenTable:
    """The states of the URLs of the owned partitions, oldest first within each partition."""

    def __init__(self, write: Writer, *, inflight_ttl: float = 900.0, failed_ttl: float = 900.0,
                 ttl: float = 7 * 86400.0, max_entries: int = 250_000,
                 clock: Callable[[], float] = time.time) -> None:
        self._write = write
        self.inflight_ttl = inflight_ttl
        self.failed_ttl = failed_ttl
        self.ttl = ttl
        self.max_entries = max(1, max_entries)
        self._clock = clock
        self._parts: dict[int, OrderedDict[str, SeenEntry]] = {}
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def owned(self) -> frozenset[int]:
        return frozenset(self._parts)

    def own(self, partitions: Iterable[int]) -> set[int]:
        """Hold exactly these partitions: the entries of the others are dropped. Returns the
        partitions that are new (their history is still to be read)."""
        wanted = set(partitions)
        for gone in set(self._parts) - wanted:
            self._size -= len(self._parts.pop(gone))
        new = wanted - set(self._parts)
        for part in new:
            self._parts[part] = OrderedDict()
        return new

    # -- decisions (synchronous: no await between test and set) ---------------------------

    def claim(self, url: str, event_id: str, partition: int, *, refresh: bool = False) -> Decision:
        now = self._clock()
        entry = self.get(url, partition)
        if not should_fetch(entry, event_id, refresh=refresh, now=now,
                            inflight_ttl=self.inflight_ttl, failed_ttl=self.failed_ttl):
            return "duplicate"
        previous = entry if entry is not None and entry.state == "done" else None
        self._set(url, partition, SeenEntry(
            "inflight", now, event_id,
            previous.etag if previous else None,
            previous.last_modified if previous else None,
            previous.body_hash if previous else None))
        return "fetch"

    def get(self, url: str, partition: int) -> SeenEntry | None:
        """The URL's state; None if unknown, expired, or of a partition not held here."""
        held = self._parts.get(partition)
        entry = held.get(url) if held is not None else None
        if entry is not None and self._clock() - entry.at > self.ttl:
            return None
        return entry

    async def record(self, url: str, entry: SeenEntry, partition: int) -> None:
        """Set locally, then write to the topic and wait for the broker's ack."""
        self._set(url, partition, entry)
        await self._write(url, entry.encode(), partition)

    def apply(self, url: str, data: bytes | None, partition: int) -> None:
        """A record read from the topic; never lets an older state replace a newer one."""
        part = self._parts.get(partition)
        if part is None:
            return
        if data is None:
            if part.pop(url, None) is not None:
                self._size -= 1
            return
        entry = SeenEntry.decode(data)
        if entry is None:
            return
        current = part.get(url)
        if current is None or entry.at >= current.at:
            self._set(url, partition, entry)

    # -- the bounds ----------------------------------------------------------------------

    def _set(self, url: str, partition: int, entry: SeenEntry) -> None:
        part = self._parts.get(partition)
        if part is None:  # not ours (a record finishing after its partition was revoked)
            return
        if url in part:
            part.move_to_end(url)
        else:
            self._size += 1
        part[url] = entry
        self._evict()

    def _evict(self) -> None:
        """Drop entries past the TTL, then the oldest while over the size bound."""
        horizon = self._clock() - self.ttl
        for part in self._parts.values():
            while part:
                url, entry = next(iter(part.items()))
                if entry.at >= horizon:
                    break
                del part[url]
                self._size -= 1
        while self._size > self.max_entries:
            oldest = min((p for p in self._parts.values() if p),
                         key=lambda p: next(iter(p.values())).at)
            oldest.popitem(last=False)
            self._size -= 1
