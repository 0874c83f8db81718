"""Build Faust apps the same way for every service: a factory, never an import-time singleton."""

from __future__ import annotations

from typing import Any

import faust
from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor
from faust.types.auth import CredentialsT
from prometheus_client import CollectorRegistry

from newswire.kafka import ssl_context
from newswire.settings import KafkaSettings, Settings
from newswire.topics import Topics

__all__ = ["broker_credentials", "create_faust_app"]

# Faust creates its consumer with fetch_max_wait_ms=1500 (hard-coded). A broker that does not
# answer a multi-topic long poll as soon as one topic has data (the embedded Tansu does not)
# then holds each record up to 1.5 s per hop: measured here, 0.4-0.7 s mean queue delay per
# stage on an idle pipeline. Capping the wait costs a few more empty fetches when idle.
# 40 ms, not 100: the mean queue delay of the extract, claims and store hops went from 21-29 ms
# to 10-11 ms and one article's submit-to-stored p50 from about 180 to 130 ms (20 articles,
# claims on, load average 5.5-6), for 49 ms more CPU per idle second across the services and
# the broker (78 -> 127 ms/s).
FETCH_MAX_WAIT_MS = 40


def _cap_fetch_wait() -> None:
    from faust.transport.drivers import aiokafka as driver

    original = driver.AIOKafkaConsumerThread._create_worker_consumer
    if getattr(original, "_newswire_capped", False):
        return

    def create(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # noqa: SLF001 - read at start()
        return consumer

    create._newswire_capped = True  # type: ignore[attr-defined]
    driver.AIOKafkaConsumerThread._create_worker_consumer = create  # type: ignore[method-assign]


def _never_commit_past_in_flight_records() -> None:
    """Faust commits the first run of consecutive acked offsets of a partition, guarded by a
    check meant to stop it when a record before them is still being processed; that check
    compares with the committed offset off by one (Kafka's committed offset is the *next*
    record to read) and is skipped when the committed offset is 0 or unknown. An agent with
    concurrency > 1 that finishes record n+1 before record n then commits past n, and a crash
    before n finishes loses n (measured: the hostile suite's million-<p> page, parsed for its
    whole budget while later records of its partition finished, was never accounted for after
    the extract service was SIGKILLed). Here nothing is committed at or beyond the lowest
    offset of a partition that a stream has taken and not yet acked."""
    from faust.transport.consumer import Consumer

    original = Consumer._new_offset
    if getattr(original, "_newswire_guarded", False):
        return

    def new_offset(self: Any, tp: Any) -> int | None:
        acked = self._acked[tp]  # noqa: SLF001
        if acked:
            lowest_in_flight = min((m.offset for m in list(self._unacked_messages)  # noqa: SLF001
                                    if m.tp == tp and not m.acked), default=None)
            if lowest_in_flight is not None and min(acked) > lowest_in_flight:
                return None  # the lowest in-flight record comes first; acked ones wait
        return original(self, tp)

    new_offset._newswire_guarded = True  # type: ignore[attr-defined]
    Consumer._new_offset = new_offset  # type: ignore[method-assign]


def _idempotent_producers() -> None:
    """Faust's producer asks for idempotence only inside transactions (its acks=-1 alone
    leaves duplicates on a retried send). Here an app whose ``newswire_idempotence`` is set
    gets ``enable_idempotence=True`` and ``acks="all"`` on every producer it creates."""
    from faust.transport.drivers.aiokafka import Producer

    original = Producer._settings_extra  # noqa: SLF001
    if getattr(original, "_newswire_idempotent", False):
        return

    def settings_extra(self: Any) -> Any:
        extra = dict(original(self))
        if getattr(self.app, "newswire_idempotence", False):
            extra.update(acks="all", enable_idempotence=True)
        return extra

    settings_extra._newswire_idempotent = True  # type: ignore[attr-defined]
    Producer._settings_extra = settings_extra  # type: ignore[method-assign]


def broker_credentials(kafka: KafkaSettings) -> CredentialsT | None:
    """Faust's side of newswire.kafka.client_options: the same protocol, TLS context and
    SASL mechanism and credentials."""
    context = ssl_context(kafka)
    if kafka.uses_sasl:
        return faust.SASLCredentials(
            username=kafka.sasl_username, password=kafka.sasl_password.get_secret_value(),
            ssl_context=context, mechanism=kafka.sasl_mechanism)
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def create_faust_app(service: str, settings: Settings, registry: CollectorRegistry) -> faust.App:
    _cap_fetch_wait()
    _never_commit_past_in_flight_records()
    _idempotent_producers()
    kafka = settings.kafka
    topics = Topics(kafka.namespace)
    datadir = settings.data_dir / "faust" / service
    datadir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        topics.group(service),
        broker=[f"kafka://{server}" for server in kafka.servers.split(",")],
        store="memory://",
        datadir=str(datadir),
        # Topics are created explicitly with partition counts (newswire.kafka.ensure_topics).
        topic_allow_declare=False,
        topic_disable_leader=True,
        topic_partitions=kafka.partitions,
        topic_replication_factor=kafka.replication_factor,
        consumer_auto_offset_reset="earliest",
        # Join a group within seconds, not Kafka's defaults of tens of seconds.
        broker_session_timeout=6.0,
        broker_heartbeat_interval=1.0,
        broker_rebalance_timeout=8.0,
        broker_commit_every=100,
        broker_commit_interval=1.0,
        broker_max_poll_records=100,
        consumer_max_fetch_size=kafka.max_message_bytes,
        producer_max_request_size=kafka.max_message_bytes,
        producer_acks=-1,
        broker_credentials=broker_credentials(kafka),
        stream_wait_empty=False,
        web_enabled=False,  # each service serves /metrics, /livez, /readyz itself
    )
    app.newswire_idempotence = kafka.use_idempotence  # type: ignore[attr-defined]
    # Faust's own sensor, on the service's registry; its names carry the faust_ prefix.
    app.monitor = PrometheusMonitor(metrics=FaustMetrics.create(registry, "faust"))
    return app
