"""A record that fails on a DLQ topic is never produced to a DLQ of that DLQ."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.errors import MessageSizeTooLargeError
from prometheus_client import CollectorRegistry

from newswire.errors import MalformedEvent, StoreRejected
from newswire.metrics import StageMetrics
from newswire.stage import Stage
from newswire.topics import Topics


class _Topic:
    def __init__(self, name: str, sent: list[str]) -> None:
        self.name, self.sent = name, sent

    async def send(self, **_: Any) -> Any:
        self.sent.append(self.name)

        async def acked() -> None:
            return None

        return acked()


class _App:
    """The one method Stage uses to produce: ``topic(name)`` (records every send)."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def topic(self, name: str, **_: Any) -> _Topic:
        return _Topic(name, self.sent)


def _event(topic: str) -> Any:
    return SimpleNamespace(message=SimpleNamespace(
        topic=topic, partition=0, offset=5, key=b"k", value=b"v", headers=[], timestamp=0))


@pytest.mark.parametrize(("source", "dead_lettered"), [
    ("news.article.enriched", ["news.article.enriched.dlq"]),
    ("news.article.enriched.dlq", []),
])
async def test_a_dlq_record_is_never_dead_lettered_again(
        source: str, dead_lettered: list[str], caplog: pytest.LogCaptureFixture) -> None:
    app = _App()
    metrics = StageMetrics(CollectorRegistry())
    stage = Stage(app, "store", metrics, Topics(""))  # type: ignore[arg-type]

    async def refuse(_: Any) -> None:
        raise StoreRejected("the database refused it")

    with caplog.at_level(logging.ERROR):
        await stage.handle(_event(source), refuse)
    assert app.sent == dead_lettered
    if not dead_lettered:
        assert "not dead-lettered again" in caplog.text


class _RefusingTopic:
    """A DLQ topic whose broker refuses any record carrying a value (too large)."""

    def __init__(self, sent: list[dict[str, Any]]) -> None:
        self.sent = sent

    async def send(self, **record: Any) -> Any:
        if record["value"] is not None:
            raise MessageSizeTooLargeError("the request included a message larger than allowed")
        self.sent.append(record)

        async def acked() -> None:
            return None

        return acked()


async def test_a_dlq_record_the_broker_refuses_for_good_goes_without_its_value() -> None:
    sent: list[dict[str, Any]] = []
    app = SimpleNamespace(topic=lambda name, **_: _RefusingTopic(sent))
    stage = Stage(app, "store", StageMetrics(CollectorRegistry()), Topics(""))  # type: ignore[arg-type]

    async def refuse(_: Any) -> None:
        raise StoreRejected("the database refused it")

    # before: the refused DLQ write was retried forever and the partition stalled
    await asyncio.wait_for(stage.handle(_event("news.article.enriched"), refuse), timeout=5)
    [record] = sent
    assert record["value"] is None and record["key"] == b"k"
    assert record["headers"]["newswire.reason"] == b"store_rejected"
    assert b"refused" in record["headers"]["newswire.value_dropped"]


async def test_a_dead_lettered_page_record_keeps_the_headers_its_value_needs() -> None:
    app = SimpleNamespace(topic=lambda name, **_: _KeepingTopic(sent))
    sent: list[dict[str, Any]] = []
    stage = Stage(app, "extract", StageMetrics(CollectorRegistry()), Topics(""))  # type: ignore[arg-type]
    event = _event("news.page.fetched")
    event.message.headers = [("newswire.page_version", b"2"), ("newswire.page", b"{}"),
                             ("newswire.page_encoding", b"gzip"), ("ce_type", b"page")]

    async def refuse(_: Any) -> None:
        raise MalformedEvent("no")

    await stage.handle(event, refuse)
    [record] = sent
    headers = record["headers"]
    # before: only the failure's headers, so the gzip value could never be read again
    assert headers["newswire.page_version"] == b"2" and headers["newswire.page"] == b"{}"
    assert headers["newswire.page_encoding"] == b"gzip"
    assert headers["ce_type"] == b"news.failure.v1" and record["value"] == b"v"


class _KeepingTopic:
    def __init__(self, sent: list[dict[str, Any]]) -> None:
        self.sent = sent

    async def send(self, **record: Any) -> Any:
        self.sent.append(record)

        async def acked() -> None:
            return None

        return acked()
