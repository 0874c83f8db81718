"""The thin adapter between a stage's pure core and Kafka (via Faust).

For every input record: decode, call the core, publish the output and wait for the broker's
acknowledgement, then let Faust ack the record. Faust marks an event done even when the agent
raises, so nothing may escape the loop: a Permanent error (or any unexpected exception) becomes
a DLQ record carrying Kafka-Connect-style error headers, and the DLQ write is itself awaited
before the record is acked. A Retriable error retries the same record with backoff (the
partition waits, and its partition's commits with it; nothing is acked or dropped). Kafka
errors from a write are sorted the same way: only retriable ones are retried; a record over
max.message.bytes (checked before sending) or any other permanent refusal is dead-lettered with
its reason. Offsets are committed by Faust only for acked records, so delivery is
at-least-once and every write downstream must be idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import faust
from aiokafka.errors import KafkaError
from faust.types import EventT
from prometheus_client import Gauge

from newswire import tracing
from newswire.dlq import failure_headers
from newswire.errors import InternalError, NewswireError, Permanent, Retriable
from newswire.events import PAGE_HEADERS, Event, Failure, cloudevent_headers, encode
from newswire.kafka import check_record_size, kafka_error
from newswire.logs import annotate, log_context
from newswire.metrics import StageMetrics
from newswire.topics import Topics

__all__ = ["BatchHandler", "Handler", "Stage", "failure_headers"]

log = logging.getLogger(__name__)
# The traceparent of the record being processed, put on every event published for it.
_traceparent: ContextVar[str | None] = ContextVar("newswire_traceparent", default=None)

Handler = Callable[[EventT[Any]], Awaitable[None]]
# handles a batch; returns each record's log fields (e.g. its URL), in order
BatchHandler = Callable[[list[EventT[Any]]], Awaitable[list[dict[str, Any]]]]


async def _converting_kafka_errors(handler: Handler, event: EventT[Any]) -> None:
    """Run the handler; a Kafka error from its writes becomes Retriable or Permanent."""
    try:
        await handler(event)
    except KafkaError as exc:
        raise kafka_error(exc) from exc


def _seconds_to_hold(hold: Callable[[EventT[Any]], float], event: EventT[Any]) -> float:
    try:
        return max(0.0, hold(event))
    except Exception:  # a bad hold time must not keep the record forever: handle it now
        log.exception("could not read how long to hold the record; handling it now")
        return 0.0


class Stage:
    """One stage of the pipeline inside a Faust app."""

    def __init__(self, app: faust.App, name: str, metrics: StageMetrics, topics: Topics) -> None:
        self.app = app
        self.name = name
        self.metrics = metrics
        self.topics = topics
        self._topic_cache: dict[str, Any] = {}
        self._dlq_of: dict[str, str] = {}
        self.retry_max_seconds = 30.0

    def topic(self, name: str) -> Any:
        if name not in self._topic_cache:
            self._topic_cache[name] = self.app.topic(
                name, key_serializer="raw", value_serializer="raw", allow_empty=True)
        return self._topic_cache[name]

    async def publish(self, topic: str, key: str, event: Event) -> None:
        """Send and wait until the broker has acknowledged the write (acks=all)."""
        await self.publish_encoded(topic, key, encode(event),
                                   cloudevent_headers(event, f"newswire/{self.name}"))

    async def publish_encoded(self, topic: str, key: str, value: bytes,
                              headers: dict[str, bytes]) -> None:
        """Same as publish, for an event already encoded (by a parser process)."""
        current = _traceparent.get()
        if current:
            headers = {**headers, "traceparent": current.encode()}
        check_record_size(self.app.conf.producer_max_request_size, key.encode(), value,
                          list(headers.items()))
        fut = await self.topic(topic).send(key=key.encode(), value=value, headers=headers)
        await fut
        self.metrics.produced.labels(self.name).inc()

    async def dead_letter(self, event: EventT[Any], exc: NewswireError, url: str | None,
                          submitted_url: str | None = None, *, keep_value: bool = True
                          ) -> None:
        message = event.message
        if Topics.is_dlq(message.topic):  # the end of the line: nobody reads <dlq>.dlq
            self.metrics.events.labels(self.name, "failed", exc.reason).inc()
            log.error("record from %s not dead-lettered again: %s: %s", message.topic,
                      exc.reason, exc.detail[:300])
            return
        failure = Failure(
            submitted_url=submitted_url or url or "", url=url, stage=self.name,  # type: ignore[arg-type]
            reason=exc.reason, detail=exc.detail[:2000], topic=message.topic,
            partition=message.partition, offset=message.offset)
        headers = failure_headers(failure, exc)
        # A version 2 page record's event is in its headers: kept, so the value still reads
        original = dict(message.headers or [])
        headers.update({k: original[k] for k in PAGE_HEADERS if k in original})
        current = _traceparent.get()
        if current:
            headers["traceparent"] = current.encode()
        dlq = self._dlq_of.get(message.topic) or Topics.dlq(message.topic)
        if not keep_value:  # the broker refused the record with it: the headers say why
            headers["newswire.value_dropped"] = b"the DLQ write with the value was refused"
        fut = await self.topic(dlq).send(
            key=message.key, value=message.value if keep_value else None, headers=headers)
        await fut
        self.metrics.dlq.labels(self.name, exc.reason).inc()
        self.metrics.events.labels(self.name, "failed", exc.reason).inc()
        annotate(url=url, reason=exc.reason)
        log.warning("dead-lettered: %s: %s", exc.reason, exc.detail[:300])

    def agent(self, source: str, handler: Handler, *, concurrency: int = 1,
              max_pending: int = 1, dlq: str | None = None,
              hold: Callable[[EventT[Any]], float] | None = None,
              pending: Gauge | None = None) -> None:
        """Register a Faust agent running ``handler`` on every record of ``source``.

        The handler publishes its own output and raises NewswireError subclasses; it may set
        ``exc.with_url(...)`` for the DLQ record. Everything else is handled here: up to
        ``max_pending`` records are handled at once, each acked by hand when it is finished
        (Faust commits only the contiguous finished prefix of a partition); a record that
        fails goes to ``dlq`` (default ``<source>.dlq``). ``hold`` makes a delay line: the
        record waits that many seconds, unacked and not counted in progress, before its
        handler runs. ``pending`` counts records taken and not finished."""
        if dlq is not None:
            self._dlq_of[source] = dlq
        slots = asyncio.Semaphore(max(1, max_pending))
        tasks: set[asyncio.Task[None]] = set()

        async def one(stream: faust.StreamT[Any], event: EventT[Any]) -> None:
            try:
                if hold is not None:
                    await asyncio.sleep(_seconds_to_hold(hold, event))
                await self.handle(event, handler)
                # Not reached when a shutdown cancels the record: it stays unacked and is
                # delivered again, never committed without its output.
                await stream.ack(event)
            finally:
                slots.release()
                if pending is not None:
                    pending.dec()

        async def one_at_a_time(stream: faust.StreamT[Any]) -> None:
            # One record at a time needs no task per record: handled in the agent's own task,
            # then acked (a shutdown that cancels it leaves the record unacked). Measured:
            # the task-per-record loop below cost the single-slot stages (extract, store)
            # 0.35 s per 60 pages of waiting, a fifth of the claims-off pipeline's throughput.
            manual = stream.noack()  # type: ignore[attr-defined]  # Stream has it, StreamT not
            async for event in manual.events():
                if pending is not None:
                    pending.inc()
                try:
                    await self.handle(event, handler)
                    await manual.ack(event)
                finally:
                    if pending is not None:
                        pending.dec()

        async def run(stream: faust.StreamT[Any]) -> None:
            manual = stream.noack()  # type: ignore[attr-defined]  # Stream has it, StreamT not
            events = aiter(manual.events())
            try:
                while True:
                    await slots.acquire()  # take a record only when a slot is free
                    try:
                        event = await anext(events)
                    except StopAsyncIteration:
                        slots.release()
                        return
                    except BaseException:  # cancelled while waiting for a record
                        slots.release()
                        raise
                    if pending is not None:
                        pending.inc()
                    task = asyncio.create_task(one(manual, event))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
            finally:
                for task in list(tasks):
                    task.cancel()

        body = one_at_a_time if max_pending <= 1 and hold is None else run
        body.__name__ = f"{self.name}_{source.replace('.', '_')}"
        self.app.agent(self.topic(source), name=body.__name__, concurrency=concurrency)(body)

    def batch_agent(self, source: str, handle_batch: BatchHandler, handler: Handler, *,
                    size: int, within: float) -> None:
        """Register an agent that takes up to ``size`` records of ``source`` at a time
        (waiting at most ``within`` seconds after the first for more), runs
        ``handle_batch`` on them all (the store: one transaction per batch), then acks them.
        When the batch fails for any reason, each record is handled alone by ``handler``
        with the usual retries and DLQ (``handle``), so a poison record fails alone and the
        others are still stored. Records are acked only after their batch (or each of them)
        is done: a crash in between delivers them again, and the writes are idempotent."""

        async def batches(stream: faust.StreamT[Any]) -> None:
            manual = stream.noack()  # type: ignore[attr-defined]  # Stream has it, StreamT not
            events = aiter(manual.events())
            loop = asyncio.get_running_loop()
            upcoming: asyncio.Future[EventT[Any]] | None = None
            try:
                while True:
                    if upcoming is None:
                        upcoming = asyncio.ensure_future(anext(events))
                    batch = [await upcoming]
                    upcoming = None
                    deadline = loop.time() + within
                    while len(batch) < size:
                        upcoming = asyncio.ensure_future(anext(events))
                        done, _ = await asyncio.wait({upcoming},
                                                     timeout=max(0.0, deadline - loop.time()))
                        if not done:  # kept: it is the first record of the next batch
                            break
                        batch.append(upcoming.result())
                        upcoming = None
                    await self._handle_batch(batch, handle_batch, handler)
                    for event in batch:
                        await manual.ack(event)
            except StopAsyncIteration:
                return
            finally:
                if upcoming is not None:
                    upcoming.cancel()

        batches.__name__ = f"{self.name}_{source.replace('.', '_')}_batches"
        self.app.agent(self.topic(source), name=batches.__name__, concurrency=1)(batches)

    async def _handle_batch(self, batch: list[EventT[Any]], handle_batch: BatchHandler,
                            handler: Handler) -> None:
        started = time.perf_counter()
        try:
            fields = await handle_batch(batch)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - each record is handled alone instead
            log.warning("stage=%s batch of %d failed (%s: %s); handling its records one by "
                        "one", self.name, len(batch), type(exc).__name__, str(exc)[:300])
            for event in batch:
                await self.handle(event, handler)
            return
        elapsed = time.perf_counter() - started
        for event, record_fields in zip(batch, fields, strict=True):
            # each record keeps its own span and log line (trace id, URL), as one by one
            with self._record_scope(event):
                annotate(**record_fields)
                self.metrics.consumed.labels(self.name).inc()
                self.metrics.events.labels(self.name, "ok", "none").inc()
                self.metrics.duration.labels(self.name).observe(elapsed / len(batch))
                log.info("processed in %.3fs (a batch of %d)", elapsed, len(batch))

    async def _try_dead_letter(self, event: EventT[Any], exc: NewswireError) -> bool:
        """Write the DLQ record; False (so the caller retries) when the broker refused it.
        A record the broker refuses for good (e.g. its value is over max.message.bytes) is
        written again without the value: retrying the same write would stall the partition."""
        for keep_value in (True, False):
            try:
                await self.dead_letter(event, exc, exc.url, exc.submitted_url,
                                       keep_value=keep_value)
                return True
            except KafkaError as kafka_exc:
                if keep_value and isinstance(kafka_error(kafka_exc), Permanent):
                    log.error("stage=%s DLQ write refused (%s); writing it without the value",
                              self.name, kafka_exc)
                    continue
                failed: Exception = kafka_exc
            except OSError as os_exc:
                failed = os_exc
            log.warning("stage=%s DLQ write failed (%s); will retry", self.name, failed)
            return False
        return False

    async def handle(self, event: EventT[Any], handler: Handler) -> None:
        with self._record_scope(event):
            await self._handle(event, handler)

    @contextmanager
    def _record_scope(self, event: EventT[Any]) -> Iterator[None]:
        """The record's span (child of its traceparent header) and log context."""
        message = event.message
        headers = dict(message.headers or [])
        parent = headers.get("traceparent")
        parent_str = parent.decode("ascii", "replace") if isinstance(parent, bytes) else None
        attributes = {"newswire.stage": self.name, "messaging.destination.name": message.topic,
                      "messaging.kafka.partition": message.partition,
                      "messaging.kafka.offset": message.offset}
        with tracing.span(f"newswire.{self.name}", parent_str, attributes) as current:
            token = _traceparent.set(current)
            try:
                with log_context(stage=self.name, topic=message.topic,
                                 partition=message.partition, offset=message.offset,
                                 trace_id=tracing.trace_id_of(current)):
                    yield
            finally:
                _traceparent.reset(token)

    async def _handle(self, event: EventT[Any], handler: Handler) -> None:
        self.metrics.consumed.labels(self.name).inc()
        timestamp = event.message.timestamp
        if timestamp:
            self.metrics.queue_delay.labels(self.name).observe(max(0.0, time.time() - timestamp))
        self.metrics.in_progress.labels(self.name).inc()
        started = time.perf_counter()
        delay = 0.5
        try:
            while True:
                try:
                    await _converting_kafka_errors(handler, event)
                    self.metrics.events.labels(self.name, "ok", "none").inc()
                    # info: the line an operator follows one URL by, stage to stage
                    # (test_observability); it costs a JSON record per event (a tenth of the
                    # store's CPU in a py-spy profile), so throughput deployments and the
                    # benchmarks run at NEWSWIRE_LOG_LEVEL=warning, where it is not built
                    log.info("processed in %.3fs", time.perf_counter() - started)
                    return
                except Retriable as exc:
                    self.metrics.events.labels(self.name, "retried", exc.reason).inc()
                    log.warning("stage=%s retriable %s: %s; retrying in %.1fs",
                                self.name, exc.reason, exc, delay)
                except Permanent as exc:
                    if await self._try_dead_letter(event, exc):
                        return
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a bug must not lose the record: DLQ it
                    log.error("stage=%s unexpected error\n%s", self.name, traceback.format_exc())
                    if await self._try_dead_letter(
                            event, InternalError(f"{type(exc).__name__}: {exc}")):
                        return
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_max_seconds)
        finally:
            self.metrics.in_progress.labels(self.name).dec()
            self.metrics.duration.labels(self.name).observe(time.perf_counter() - started)
