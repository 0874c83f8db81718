"""The DLQ record's header format, both ways: written by the Stage, read back by the store.

Kafka Connect's ``__connect.errors.*`` headers (so Connect tooling can read our DLQs) plus
newswire's own (stage, reason code, URL as fetched and as submitted) and the CloudEvents
headers of the Failure. A record without them (or with garbled ones) still reads back as a
Failure, named by its own coordinates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import get_args

from newswire.events import Failure, cloudevent_headers

__all__ = ["failure_from_headers", "failure_headers"]

# The stages a Failure may name; a header naming any other is recorded as the store's.
_STAGES: tuple[str, ...] = get_args(Failure.model_fields["stage"].annotation)
MAX_MESSAGE_BYTES = 4096


def failure_headers(failure: Failure, exc: BaseException) -> dict[str, bytes]:
    """Kafka Connect's DLQ headers plus newswire's own (read back by ``failure_from_headers``)."""
    headers = {
        "__connect.errors.topic": (failure.topic or "").encode(),
        "__connect.errors.partition": str(failure.partition).encode(),
        "__connect.errors.offset": str(failure.offset).encode(),
        "__connect.errors.exception.class.name": type(exc).__qualname__.encode(),
        "__connect.errors.exception.message": failure.detail.encode()[:MAX_MESSAGE_BYTES],
        "__connect.errors.stage": failure.stage.encode(),
        "newswire.stage": failure.stage.encode(),
        "newswire.reason": failure.reason.encode(),
        "newswire.url": (failure.url or "").encode(),
        "newswire.submitted_url": failure.submitted_url.encode(),
    }
    headers.update(cloudevent_headers(failure, f"newswire/{failure.stage}"))
    return headers


def _header(headers: Mapping[str, bytes], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def failure_from_headers(topic: str, partition: int, offset: int,
                         headers: Mapping[str, bytes]) -> Failure:
    """Rebuild the Failure from a DLQ record's headers (tolerating records without them);
    ``topic``, ``partition`` and ``offset`` are the DLQ record's own coordinates."""
    stage = _header(headers, "newswire.stage") or "unknown"
    origin_topic = _header(headers, "__connect.errors.topic") or topic.removesuffix(".dlq")
    try:
        origin_partition = int(_header(headers, "__connect.errors.partition") or partition)
        origin_offset = int(_header(headers, "__connect.errors.offset") or offset)
    except ValueError:
        origin_partition, origin_offset = partition, offset
    if not (0 <= origin_partition < 2**31 and 0 <= origin_offset < 2**63):  # Kafka's ranges
        origin_partition, origin_offset = partition, offset
    return Failure(
        submitted_url=_header(headers, "newswire.submitted_url") or "",
        url=_header(headers, "newswire.url") or None,
        stage=stage if stage in _STAGES else "store",  # type: ignore[arg-type]
        reason=_header(headers, "newswire.reason") or "unknown",
        detail=_header(headers, "__connect.errors.exception.message") or "no detail",
        topic=origin_topic, partition=origin_partition, offset=origin_offset)
