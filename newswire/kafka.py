"""Kafka plumbing shared by the services and the CLI: topic creation, producers, consumers.

Producers are at-least-once: acks=all, and idempotent on a real cluster (the embedded Tansu
broker rejects InitProducerId, so there it is off; see KafkaSettings.idempotence).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from newswire.settings import KafkaSettings
from newswire.topics import Topics

__all__ = ["client_options", "ensure_topics", "make_consumer", "make_producer", "start_client",
           "wait_for_broker"]

log = logging.getLogger(__name__)


def client_options(kafka: KafkaSettings) -> dict[str, Any]:
    options: dict[str, Any] = {
        "bootstrap_servers": kafka.servers,
        "security_protocol": kafka.security_protocol,
    }
    if kafka.sasl_mechanism:
        options["sasl_mechanism"] = kafka.sasl_mechanism
        options["sasl_plain_username"] = kafka.sasl_username
        if kafka.sasl_password is not None:
            options["sasl_plain_password"] = kafka.sasl_password.get_secret_value()
    return options


def make_producer(kafka: KafkaSettings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        **client_options(kafka),
        acks="all",
        enable_idempotence=kafka.use_idempotence,
        max_request_size=16 * 1024 * 1024,
        linger_ms=5,
    )


def make_consumer(kafka: KafkaSettings, *topics: str, **options: Any) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(*topics, **client_options(kafka), **options)


async def start_client(client: AIOKafkaProducer | AIOKafkaConsumer) -> None:
    """Start a producer or consumer; when the broker cannot be reached, stop it again before
    raising, so nothing is left half-open (asyncio would log it as unclosed)."""
    try:
        await client.start()
    except BaseException:
        await client.stop()
        raise


async def wait_for_broker(kafka: KafkaSettings, timeout: float = 30.0) -> None:
    """Return once the broker answers a metadata request; raise TimeoutError otherwise."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Exception | None = None
    while asyncio.get_running_loop().time() < deadline:
        admin = AIOKafkaAdminClient(**client_options(kafka), request_timeout_ms=3000)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except (KafkaError, OSError) as exc:
            last = exc
            await asyncio.sleep(0.3)
        finally:
            await admin.close()
    raise TimeoutError(f"Kafka at {kafka.servers} not reachable: {last}")


async def _create_topics(admin: AIOKafkaAdminClient, new: list[NewTopic]) -> None:
    try:
        await admin.create_topics(new)
    except TopicAlreadyExistsError:
        pass  # another process won the race


async def ensure_topics(kafka: KafkaSettings, topics: Topics) -> list[str]:
    """Create every pipeline topic (and its DLQ) with explicit partition counts. Idempotent;
    returns the names created now."""
    admin = AIOKafkaAdminClient(**client_options(kafka))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [t for t in topics.all() if t not in existing]
        if not wanted:
            return []
        compacted = {topics.url_seen, topics.article_enriched}

        def new(with_configs: bool) -> list[NewTopic]:
            return [
                NewTopic(
                    name,
                    num_partitions=1 if name.endswith(".dlq") else kafka.partitions,
                    replication_factor=kafka.replication_factor,
                    # keyed state (dedup) and the public stream keyed by article id
                    topic_configs={"cleanup.policy": "compact"}
                    if with_configs and name in compacted else {},
                )
                for name in wanted
            ]

        try:
            await _create_topics(admin, new(with_configs=True))
        except KafkaError as exc:
            # the embedded broker refuses topic configs: plain topics there
            log.info("topic configs refused (%s); creating plain topics", exc)
            await _create_topics(admin, new(with_configs=False))
        log.info("created topics %s", wanted)
        return wanted
    finally:
        await admin.close()
