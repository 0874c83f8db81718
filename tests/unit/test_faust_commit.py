"""Faust must never commit past a record that is still being processed (at-least-once).

Real Faust consumer bookkeeping (no broker needed: nothing is started); the patch under test
is newswire.faustapp._never_commit_past_in_flight_records."""

from __future__ import annotations

import faust
from faust.types import TP
from faust.types.tuples import Message

from newswire.faustapp import _never_commit_past_in_flight_records
from tests.conftest import UNSTARTED_FAUST_APPS

TOPIC = "news.page.fetched"
pytestmark = UNSTARTED_FAUST_APPS


def _consumer() -> tuple[faust.App, object]:
    _never_commit_past_in_flight_records()
    app = faust.App("commit-test", broker="kafka://127.0.0.1:1", store="memory://")
    app.topic(TOPIC, value_serializer="raw")
    app.topics._acking_topics.add(TOPIC)  # noqa: SLF001 - what subscribing an agent does
    return app, app.consumer


def _taken(consumer: object, offset: int) -> Message:
    """A record a stream has taken from the channel (what Faust's stream does inline)."""
    message = Message(TOPIC, 0, offset, 0.0, 0, [], b"k", b"v", None)
    consumer.track_message(message)  # type: ignore[attr-defined]
    message.tracked = True
    return message


def test_a_later_record_finishing_first_does_not_commit_past_the_earlier_one() -> None:
    _, consumer = _consumer()
    tp = TP(TOPIC, 0)
    consumer._committed_offset[tp] = 17  # type: ignore[attr-defined]  # next to read: 17
    slow, fast = _taken(consumer, 17), _taken(consumer, 18)
    assert consumer.ack(fast)  # type: ignore[attr-defined]
    assert consumer._new_offset(tp) is None  # type: ignore[attr-defined]  # 17 still in flight
    assert consumer.ack(slow)  # type: ignore[attr-defined]
    assert consumer._new_offset(tp) == 19  # type: ignore[attr-defined]


def test_unknown_or_zero_committed_offset_is_guarded_too() -> None:
    for committed in (None, 0):
        _, consumer = _consumer()
        tp = TP(TOPIC, 0)
        consumer._committed_offset[tp] = committed  # type: ignore[attr-defined]
        first, second, third = (_taken(consumer, o) for o in (0, 1, 2))
        consumer.ack(first)  # type: ignore[attr-defined]
        consumer.ack(third)  # type: ignore[attr-defined]
        assert consumer._new_offset(tp) == 1  # type: ignore[attr-defined]  # only offset 0
        assert consumer._new_offset(tp) is None  # type: ignore[attr-defined]  # 1 in flight
        consumer.ack(second)  # type: ignore[attr-defined]
        assert consumer._new_offset(tp) == 3  # type: ignore[attr-defined]
