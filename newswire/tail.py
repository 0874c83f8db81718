"""`newswire tail TOPIC [-o beginning|end] [-e]`: one JSON value per line, like kcat."""

from __future__ import annotations

import sys
from typing import IO

import orjson
from aiokafka import TopicPartition

from newswire.kafka import make_consumer, start_client
from newswire.settings import Settings

__all__ = ["tail"]


async def tail(settings: Settings, topic: str, *, offset: str = "end", exit_at_end: bool = False,
               out: IO[str] = sys.stdout) -> int:
    consumer = make_consumer(settings.kafka, enable_auto_commit=False,
                             auto_offset_reset="earliest" if offset == "beginning" else "latest")
    await start_client(consumer)
    try:
        partitions = consumer.partitions_for_topic(topic)
        if partitions is None:
            await consumer._client.force_metadata_update()  # noqa: SLF001 - no public API
            partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            print(f"newswire tail: no such topic {topic!r}", file=sys.stderr)
            return 2
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        if offset == "beginning":
            await consumer.seek_to_beginning(*tps)
        else:
            await consumer.seek_to_end(*tps)
        end = await consumer.end_offsets(tps)
        remaining = {tp for tp in tps if end[tp] > await consumer.position(tp)}
        while True:
            if exit_at_end and not remaining:
                return 0
            batch = await consumer.getmany(timeout_ms=500)
            for tp, records in batch.items():
                for record in records:
                    try:
                        value = orjson.loads(record.value) if record.value is not None else None
                    except orjson.JSONDecodeError:
                        value = {"_raw": record.value.decode("utf-8", "replace")}
                    out.write(orjson.dumps(value).decode() + "\n")
                    if record.offset + 1 >= end[tp]:
                        remaining.discard(tp)
            out.flush()
    finally:
        await consumer.stop()
