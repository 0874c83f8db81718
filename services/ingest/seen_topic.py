"""Keeps a SeenTable in step with news.url.seen, for the partitions this worker owns.

The worker's owned partitions are those of news.url.submitted that Faust assigned to it
(``own``); their dedup state lives in the news.url.seen partitions of the same numbers. For a
newly owned partition the topic is read from the beginning; ``ready(partition)`` returns once
its history up to the end offset seen at assignment is in the table. Owned partitions are
then tailed, so the state another worker wrote before a rebalance is picked up; revoked ones
are dropped from memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from services.ingest.seen import SeenTable

__all__ = ["SeenTopic"]

log = logging.getLogger(__name__)


class SeenTopic:
    def __init__(self, table: SeenTable, topic: str) -> None:
        self.table = table
        self.topic = topic
        self.partitions = 1
        self._consumer: AIOKafkaConsumer | None = None
        self._sources: set[int] = set()
        self._generation = 0  # of ``own`` calls; ``_applied`` once the consumer follows it
        self._applied = 0
        self._loading: dict[int, int] = {}  # partition -> end offset to reach
        self._changed = asyncio.Event()
        self._progress = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    def partition_for(self, source_partition: int) -> int:
        """The news.url.seen partition holding the URLs of a news.url.submitted partition
        (the same number when both topics have the same partition count, as created)."""
        return source_partition % self.partitions

    async def start(self, consumer: AIOKafkaConsumer, timeout: float = 30.0) -> None:
        """Start reading with ``consumer`` (no group: partitions are assigned by hand)."""
        self._consumer = consumer
        await consumer.start()
        deadline = time.monotonic() + timeout
        parts = consumer.partitions_for_topic(self.topic)
        while not parts and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            await consumer.topics()
            parts = consumer.partitions_for_topic(self.topic)
        self.partitions = max(1, len(parts or ()))
        self._task = asyncio.create_task(self._run(), name="seen-topic")

    def own(self, source_partitions: Iterable[int]) -> None:
        """The news.url.submitted partitions now assigned to this worker (all of them)."""
        self._sources = set(source_partitions)
        self._generation += 1
        self._changed.set()

    async def ready(self, source_partition: int) -> None:
        """Wait until the dedup state of a news.url.submitted partition is loaded. (For a
        partition not owned, at once: its URLs are then fetched without dedup.)"""
        def loaded() -> bool:
            return (self._task is not None and self._applied == self._generation
                    and self.partition_for(source_partition) not in self._loading)

        async with self._progress:
            await self._progress.wait_for(loaded)

    async def _reassign(self) -> list[TopicPartition]:
        consumer = self._consumer
        assert consumer is not None
        wanted = {self.partition_for(p) for p in self._sources}
        kept = self.table.owned & wanted
        positions = {p: await consumer.position(TopicPartition(self.topic, p)) for p in kept}
        new = self.table.own(wanted)
        tps = [TopicPartition(self.topic, p) for p in sorted(wanted)]
        consumer.assign(tps)
        for part, offset in positions.items():
            consumer.seek(TopicPartition(self.topic, part), offset)
        self._loading = {p: end for p, end in self._loading.items() if p in kept}
        fresh = [TopicPartition(self.topic, p) for p in sorted(new)]
        if fresh:
            await consumer.seek_to_beginning(*fresh)
            ends = await consumer.end_offsets(fresh)
            self._loading.update({tp.partition: ends[tp] for tp in fresh})
        log.info("dedup partitions %s (loading %s)", sorted(wanted), sorted(new))
        return tps

    async def _check_loaded(self) -> None:
        assert self._consumer is not None
        for part, end in list(self._loading.items()):
            if await self._consumer.position(TopicPartition(self.topic, part)) >= end:
                del self._loading[part]
                log.info("dedup partition %d loaded: %d URLs held", part, len(self.table))
        async with self._progress:
            self._progress.notify_all()

    async def _run(self) -> None:
        assert self._consumer is not None
        tps: list[TopicPartition] = []
        while True:
            try:
                if self._applied != self._generation:
                    generation = self._generation
                    self._changed.clear()
                    tps = await self._reassign()
                    self._applied = generation
                await self._check_loaded()
                if not tps:
                    await self._changed.wait()
                    continue
                wait_ms = 100 if self._loading else 500
                batch = await self._consumer.getmany(*tps, timeout_ms=wait_ms)
                for tp, records in batch.items():
                    for record in records:
                        if record.key:
                            self.table.apply(record.key.decode("utf-8", "replace"),
                                             record.value, tp.partition)
            except asyncio.CancelledError:
                raise
            except KafkaError as exc:
                log.warning("dedup topic: %s", exc)
                await asyncio.sleep(1)
            except Exception:  # never leave the handlers waiting on a dead task: go on
                log.exception("dedup topic reader failed; trying again")
                await asyncio.sleep(1)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()
