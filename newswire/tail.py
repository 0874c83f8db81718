"""`newswire tail TOPIC [-o beginning|end] [-e]`: one JSON value per line, like kcat.

A news.page.fetched record (version 2) prints as its event, from its header, with the size
of its gzip page (``page_gzip_bytes``) instead of the compressed bytes."""

from __future__ import annotations

import sys
from typing import IO

import orjson
from aiokafka import TopicPartition

from newswire.events import PAGE_HEADER
from newswire.kafka import make_consumer, start_client
from newswire.settings import Settings

__all__ = ["tail"]


def _value(raw: bytes | None, headers: dict[str, bytes]) -> object:
    """What a record prints as: its JSON value, a page record's event, or the raw text."""
    page = headers.get(PAGE_HEADER)
    try:
        if page is not None:
            return {**orjson.loads(page), "page_gzip_bytes": len(raw or b"")}
        return orjson.loads(raw) if raw is not None else None
    except (orjson.JSONDecodeError, TypeError):
        return {"_raw": (raw or b"").decode("utf-8", "replace")}


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
                    value = _value(record.value, dict(record.headers or []))
                    out.write(orjson.dumps(value).decode() + "\n")
                    if record.offset + 1 >= end[tp]:
                        remaining.discard(tp)
            out.flush()
    finally:
        await consumer.stop()
