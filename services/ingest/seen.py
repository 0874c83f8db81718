"""Dedup state of every URL, kept on a Kafka topic so it survives restarts and is shared.

``news.url.seen`` is keyed by canonical URL (compacted on a real cluster); each value is the
URL's latest state: ``inflight`` (claimed by one UrlSubmitted event, by its event id),
``done`` (fetched and published, with ETag / Last-Modified / body hash for a refresh) or
``failed``. Every ingest worker reads the whole topic at start-up, before it handles a URL,
and then keeps tailing it, so a partition that moves to another worker in a rebalance takes
its history along.

Claims are decided synchronously in memory (no await between the test and the set), so two
copies of one URL handled concurrently by one worker cannot both be fetched; URL topics are
keyed by domain, so all copies of a URL reach the same worker.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

__all__ = ["Decision", "SeenEntry", "SeenTable"]

log = logging.getLogger(__name__)

State = Literal["inflight", "done", "failed"]
Decision = Literal["fetch", "duplicate"]
Writer = Callable[[str, bytes], Awaitable[None]]


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


class SeenTable:
    def __init__(self, write: Writer, *, inflight_ttl: float = 900.0,
                 failed_ttl: float = 900.0) -> None:
        self._write = write
        self.inflight_ttl = inflight_ttl
        self.failed_ttl = failed_ttl
        self.entries: dict[str, SeenEntry] = {}
        self.ready = asyncio.Event()
        self._tail: asyncio.Task[None] | None = None
        self._consumer: AIOKafkaConsumer | None = None

    # -- decisions (synchronous: no await between test and set) ---------------------------

    def claim(self, url: str, event_id: str, *, refresh: bool = False) -> Decision:
        now = time.time()
        entry = self.entries.get(url)
        fetch = (
            refresh or entry is None
            # the same event again (a retry, or a redelivery after a crash mid-fetch)
            or (entry.state == "inflight" and entry.claim == event_id)
            or (entry.state == "inflight" and now - entry.at > self.inflight_ttl)
            or (entry.state == "failed" and now - entry.at > self.failed_ttl)
        )
        if not fetch:
            return "duplicate"
        previous = entry if entry is not None and entry.state == "done" else None
        self.entries[url] = SeenEntry(
            "inflight", now, event_id,
            previous.etag if previous else None,
            previous.last_modified if previous else None,
            previous.body_hash if previous else None)
        return "fetch"

    def get(self, url: str) -> SeenEntry | None:
        return self.entries.get(url)

    async def record(self, url: str, entry: SeenEntry) -> None:
        """Set locally, then write to the topic and wait for the broker's ack."""
        self.entries[url] = entry
        await self._write(url, entry.encode())

    def apply(self, url: str, data: bytes | None) -> None:
        """A record read from the topic; never lets an older state replace a newer one."""
        if data is None:
            self.entries.pop(url, None)
            return
        entry = SeenEntry.decode(data)
        if entry is None:
            return
        current = self.entries.get(url)
        if current is None or entry.at >= current.at:
            self.entries[url] = entry

    # -- the topic -----------------------------------------------------------------------

    async def start(self, consumer: AIOKafkaConsumer, topic: str,
                    timeout: float = 120.0) -> None:
        """Read the topic to its end (then ``ready`` is set) and keep tailing it."""
        self._consumer = consumer
        await consumer.start()
        partitions = consumer.partitions_for_topic(topic)
        deadline = time.monotonic() + 30
        while not partitions and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            await consumer.topics()
            partitions = consumer.partitions_for_topic(topic)
        tps = [TopicPartition(topic, p) for p in sorted(partitions or ())]
        consumer.assign(tps)
        if tps:
            await consumer.seek_to_beginning(*tps)
            end = await consumer.end_offsets(tps)
            async with asyncio.timeout(timeout):
                while True:
                    behind = [tp for tp in tps if await consumer.position(tp) < end[tp]]
                    if not behind:
                        break
                    self._apply_batch(await consumer.getmany(*behind, timeout_ms=500))
        log.info("dedup state loaded: %d URLs", len(self.entries))
        self.ready.set()
        self._tail = asyncio.create_task(self._tail_forever(tps))

    def _apply_batch(self, batch: dict[TopicPartition, list]) -> None:  # type: ignore[type-arg]
        for records in batch.values():
            for record in records:
                if record.key:
                    self.apply(record.key.decode("utf-8", "replace"), record.value)

    async def _tail_forever(self, tps: list[TopicPartition]) -> None:
        assert self._consumer is not None
        while True:
            try:
                self._apply_batch(await self._consumer.getmany(*tps, timeout_ms=1000))
            except asyncio.CancelledError:
                raise
            except KafkaError as exc:
                log.warning("dedup tail: %s", exc)
                await asyncio.sleep(1)

    async def stop(self) -> None:
        if self._tail is not None:
            self._tail.cancel()
            try:
                await self._tail
            except (asyncio.CancelledError, Exception):
                pass
        if self._consumer is not None:
            await self._consumer.stop()
