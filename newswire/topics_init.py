"""One-shot topic creation (the compose `kafka-init` step): every topic and DLQ, explicit
partition counts, then exit. Idempotent."""

from __future__ import annotations

import asyncio

from newswire.kafka import ensure_topics, wait_for_broker
from newswire.settings import Settings
from newswire.topics import Topics


async def _main() -> None:
    settings = Settings()
    await wait_for_broker(settings.kafka, timeout=120)
    created = await ensure_topics(settings.kafka, Topics(settings.kafka.namespace))
    print(f"topics created: {created or 'none (all existed)'}")


if __name__ == "__main__":
    asyncio.run(_main())
