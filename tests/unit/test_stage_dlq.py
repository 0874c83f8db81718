"""A record that fails on a DLQ topic is never produced to a DLQ of that DLQ."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from newswire.errors import StoreRejected
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
