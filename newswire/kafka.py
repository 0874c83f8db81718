"""Kafka plumbing shared by the services and the CLI: topic creation, producers, consumers.

Producers are at-least-once: acks=all, and idempotent on a real cluster (the embedded Tansu
broker rejects InitProducerId, so there it is off; see KafkaSettings.idempotence).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    KafkaError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    TopicAlreadyExistsError,
)
from aiokafka.helpers import create_ssl_context
from aiokafka.record.default_records import DefaultRecordBatchBuilder

from newswire.errors import KafkaRejected, KafkaUnavailable, MessageTooLarge, Permanent, Retriable
from newswire.settings import KafkaSettings
from newswire.topics import Topics

__all__ = ["check_record_size", "client_options", "ensure_topics", "kafka_error", "make_consumer",
           "make_producer", "ssl_context", "start_client", "topic_configs", "wait_for_broker"]

log = logging.getLogger(__name__)


def ssl_context(kafka: KafkaSettings) -> ssl.SSLContext | None:
    """The TLS context of every client (None for PLAINTEXT and SASL_PLAINTEXT)."""
    if not kafka.uses_tls:
        return None
    password = kafka.ssl_key_password.get_secret_value() if kafka.ssl_key_password else None
    context: ssl.SSLContext = create_ssl_context(
        cafile=kafka.ssl_cafile, certfile=kafka.ssl_certfile, keyfile=kafka.ssl_keyfile,
        password=password)
    return context


def client_options(kafka: KafkaSettings) -> dict[str, Any]:
    """Connection and security keyword arguments of every aiokafka client (producer,
    consumer, admin). Faust's equivalent is newswire.faustapp.broker_credentials."""
    options: dict[str, Any] = {
        "bootstrap_servers": kafka.servers,
        "security_protocol": kafka.security_protocol,
        "ssl_context": ssl_context(kafka),
    }
    if kafka.uses_sasl:
        options["sasl_mechanism"] = kafka.sasl_mechanism
        options["sasl_plain_username"] = kafka.sasl_username
        options["sasl_plain_password"] = kafka.sasl_password.get_secret_value()
    return options


def check_record_size(limit: int, key: bytes | None, value: bytes,
                      headers: list[tuple[str, bytes]]) -> None:
    """Raise MessageTooLarge before sending a record the broker would refuse for its size
    (measured as aiokafka measures it against max_request_size)."""
    size = DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, headers)
    if size > limit:
        raise MessageTooLarge(f"record of {size} bytes exceeds max.message.bytes {limit}")


def kafka_error(exc: KafkaError) -> Retriable | Permanent:
    """Convert an aiokafka error at the edge: retriable ones (aiokafka's ``retriable``; and a
    delivery timeout, raised while the broker is away) are retried, the rest are permanent."""
    detail = f"{type(exc).__name__}: {exc}"
    if exc.retriable or isinstance(exc, KafkaTimeoutError):
        return KafkaUnavailable(detail)
    if isinstance(exc, MessageSizeTooLargeError | RecordListTooLargeError | RecordTooLargeError):
        return MessageTooLarge(detail)
    return KafkaRejected(detail)


def make_producer(kafka: KafkaSettings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        **client_options(kafka),
        acks="all",
        enable_idempotence=kafka.use_idempotence,
        max_request_size=kafka.max_message_bytes,
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
    with contextlib.suppress(TopicAlreadyExistsError):  # another process won the race
        await admin.create_topics(new)


def topic_configs(kafka: KafkaSettings, *, compacted: bool) -> dict[str, str]:
    """Configs of a topic created here: the record size limit the producers check against,
    and compaction for keyed state (dedup) and the public stream keyed by article id."""
    configs = {"max.message.bytes": str(kafka.max_message_bytes)}
    if compacted:
        configs["cleanup.policy"] = "compact"
    return configs


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
                    topic_configs=topic_configs(kafka, compacted=name in compacted)
                    if with_configs else {},
                )
                for name in wanted
            ]

        try:
            await _create_topics(admin, new(with_configs=True))
        except KafkaError as exc:
            # a broker that refuses topic configs gets plain topics
            log.info("topic configs refused (%s); creating plain topics", exc)
            await _create_topics(admin, new(with_configs=False))
        log.info("created topics %s", wanted)
        return wanted
    finally:
        await admin.close()
