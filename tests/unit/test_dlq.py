"""The DLQ header format both ways (newswire/dlq.py), and the URL an error carries to it."""

from __future__ import annotations

import pickle

import pytest

from newswire.dlq import failure_from_headers, failure_headers
from newswire.errors import InternalError, NewswireError, RateLimited, WorkerCrashed
from newswire.events import Failure

ORIGINAL = Failure(submitted_url="example.com/a?utm_source=x", url="https://example.com/a",
                   stage="ingest", reason="http_4xx", detail="HTTP 404 ünïcode",
                   topic="news.url.submitted", partition=3, offset=42)


def test_a_failure_round_trips_through_its_headers() -> None:
    headers = failure_headers(ORIGINAL, WorkerCrashed("x"))
    assert headers["__connect.errors.exception.class.name"] == b"WorkerCrashed"
    rebuilt = failure_from_headers("news.url.submitted.dlq", 0, 7, headers)
    fields = ("submitted_url", "url", "stage", "reason", "detail", "topic", "partition",
              "offset")
    assert rebuilt.model_dump(include=set(fields)) == ORIGINAL.model_dump(include=set(fields))


def test_a_record_without_headers_is_named_by_its_own_coordinates() -> None:
    rebuilt = failure_from_headers("news.page.fetched.dlq", 1, 11, {})
    assert (rebuilt.topic, rebuilt.partition, rebuilt.offset) == ("news.page.fetched", 1, 11)
    assert (rebuilt.stage, rebuilt.reason, rebuilt.url, rebuilt.submitted_url) == (
        "store", "unknown", None, "")


@pytest.mark.parametrize(("partition", "offset"), [(b"x", b"1"), (b"-1", b"1"),
                                                   (b"1", str(2**63).encode())])
def test_garbled_coordinates_fall_back_to_the_records_own(partition: bytes,
                                                          offset: bytes) -> None:
    headers = {**failure_headers(ORIGINAL, ValueError()),
               "__connect.errors.partition": partition, "__connect.errors.offset": offset}
    rebuilt = failure_from_headers("news.url.submitted.dlq", 2, 9, headers)
    assert (rebuilt.partition, rebuilt.offset) == (2, 9)


def test_an_unknown_stage_is_recorded_as_the_stores() -> None:
    headers = {**failure_headers(ORIGINAL, ValueError()), "newswire.stage": b"elsewhere"}
    assert failure_from_headers("t.dlq", 0, 0, headers).stage == "store"


def test_the_url_survives_the_trip_from_a_parser_process() -> None:
    exc = RateLimited("429", retry_after=3.0).with_url("https://a.example/", "a.example")
    back = pickle.loads(pickle.dumps(exc))
    assert (back.url, back.submitted_url, back.retry_after) == (
        "https://a.example/", "a.example", 3.0)


def test_every_error_has_typed_url_fields() -> None:
    exc: NewswireError = InternalError("bug")
    assert exc.url is None and exc.submitted_url is None
    assert exc.reason == "internal_error"
