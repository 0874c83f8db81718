"""Kafka errors are sorted at the edge: only aiokafka's retriable ones are retried."""

from __future__ import annotations

import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NotLeaderForPartitionError,
    RecordTooLargeError,
    RequestTimedOutError,
    TopicAuthorizationFailedError,
    UnsupportedVersionError,
)

from newswire.errors import MessageTooLarge, Permanent, Retriable
from newswire.kafka import check_record_size, kafka_error


@pytest.mark.parametrize(("exc", "kind", "reason"), [
    (MessageSizeTooLargeError("max_request_size"), Permanent, "message_too_large"),
    (RecordTooLargeError(), Permanent, "message_too_large"),
    (TopicAuthorizationFailedError(), Permanent, "kafka_rejected"),
    (UnsupportedVersionError(), Permanent, "kafka_rejected"),
    (NotLeaderForPartitionError(), Retriable, "kafka_error"),
    (RequestTimedOutError(), Retriable, "kafka_error"),
    (KafkaConnectionError("down"), Retriable, "kafka_error"),
    # not marked retriable by aiokafka, but raised when a send outlives the broker's absence
    (KafkaTimeoutError(), Retriable, "kafka_error"),
])
def test_kafka_errors_are_retriable_only_when_aiokafka_says_so(
        exc: KafkaError, kind: type, reason: str) -> None:
    converted = kafka_error(exc)
    assert isinstance(converted, kind)
    assert converted.reason == reason
    assert type(exc).__name__ in converted.detail


def test_records_over_the_limit_are_refused_before_sending() -> None:
    headers = [("ce_id", b"x" * 40)]
    check_record_size(2000, b"key", b"v" * 1800, headers)
    with pytest.raises(MessageTooLarge, match=r"exceeds max\.message\.bytes 2000"):
        check_record_size(2000, b"key", b"v" * 1990, headers)
    with pytest.raises(MessageTooLarge):  # headers count too
        check_record_size(2000, b"key", b"v" * 1800, [("h", b"y" * 300)])
