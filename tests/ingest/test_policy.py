"""Ingest's per-URL decisions (services/ingest/policy.py): pure, no broker, no HTTP."""

from __future__ import annotations

import hashlib

import pytest

from newswire.errors import NewswireError, Permanent, RateLimited, ServerError
from services.ingest.policy import (
    IngestPolicy,
    Retry,
    after_fetch,
    conditional_headers,
    failed_entry,
    should_fetch,
)
from services.ingest.seen import SeenEntry

POLICY = IngestPolicy(retries=2, retry_base_seconds=1.0, retry_max_seconds=600.0)
URL, SUBMITTED = "https://example.com/a", "example.com/a"


def _fixed(_low: float, _high: float) -> float:
    return 1.0


def test_retry_while_attempts_remain_with_exponential_backoff() -> None:
    decision = POLICY.on_retriable(ServerError("503"), 1, URL, SUBMITTED, uniform=_fixed)
    assert decision == Retry(delay=2.0, reason="http_5xx")


def test_retry_after_wins_over_backoff_and_is_capped() -> None:
    said = RateLimited("429", retry_after=42.0)
    assert POLICY.on_retriable(said, 0, URL, SUBMITTED, uniform=_fixed) == Retry(42.0, "http_429")
    too_long = RateLimited("429", retry_after=10_000.0)
    assert POLICY.retry_delay(too_long, 0) == 600.0
    assert POLICY.domain_backoff(said) == 42.0


def test_backoff_is_jittered_and_capped() -> None:
    assert POLICY.retry_delay(ServerError(), 0, uniform=lambda lo, _hi: lo) == pytest.approx(0.8)
    assert POLICY.retry_delay(ServerError(), 0, uniform=lambda _lo, hi: hi) == pytest.approx(1.2)
    assert POLICY.retry_delay(ServerError(), 30, uniform=_fixed) == 600.0


def test_no_domain_backoff_without_a_retry_after() -> None:
    assert POLICY.domain_backoff(RateLimited("429")) is None
    assert POLICY.domain_backoff(ServerError("503")) is None


def test_final_failure_after_the_last_attempt_keeps_the_reason_and_the_url() -> None:
    decision = POLICY.on_retriable(RateLimited("slow down", retry_after=5.0), 2, URL, SUBMITTED)
    assert isinstance(decision, Permanent)
    assert decision.reason == "http_429"
    assert decision.detail == "slow down (after 3 attempts)"
    assert (decision.url, decision.submitted_url) == (URL, SUBMITTED)


def test_conditional_headers_only_on_refresh() -> None:
    claim = SeenEntry("inflight", 1.0, "e1", etag='"v1"', last_modified="Mon, 01 Jan 2024")
    assert conditional_headers(claim, refresh=False) is None
    assert conditional_headers(claim, refresh=True) == {
        "If-None-Match": '"v1"', "If-Modified-Since": "Mon, 01 Jan 2024"}
    assert conditional_headers(SeenEntry("inflight", 1.0, "e1"), refresh=True) is None


def test_unchanged_body_is_skipped_and_keeps_the_validators() -> None:
    body = b"<html>same</html>"
    claim = SeenEntry("inflight", 1.0, "e2", etag='"v1"',
                      body_hash=hashlib.sha256(body).hexdigest())
    fetched = after_fetch(claim, "e2", 5.0, status=200, body=body, etag=None,
                          last_modified="Tue")
    assert fetched.unchanged
    assert fetched.entry == SeenEntry("done", 5.0, "e2", '"v1"', "Tue", claim.body_hash)


def test_not_modified_is_skipped_and_a_changed_body_is_not() -> None:
    claim = SeenEntry("inflight", 1.0, "e3", body_hash="old")
    assert after_fetch(claim, "e3", 2.0, status=304, body=b"", etag=None,
                       last_modified=None).entry.body_hash == "old"
    assert after_fetch(claim, "e3", 2.0, status=304, body=b"", etag=None,
                       last_modified=None).unchanged
    changed = after_fetch(claim, "e3", 2.0, status=200, body=b"new", etag='"v2"',
                          last_modified=None)
    assert not changed.unchanged
    assert changed.entry.body_hash == hashlib.sha256(b"new").hexdigest()
    assert changed.entry.etag == '"v2"'
    first = after_fetch(SeenEntry("inflight", 1.0, "e4"), "e4", 2.0, status=200, body=b"x",
                        etag=None, last_modified=None)
    assert not first.unchanged


def test_failure_records_failed_and_keeps_what_a_refresh_needs() -> None:
    claim = SeenEntry("inflight", 1.0, "old", etag='"v1"', last_modified="Mon", body_hash="h")
    assert failed_entry(claim, "e5", 9.0) == SeenEntry("failed", 9.0, "e5", '"v1"', "Mon", "h")


@pytest.mark.parametrize(("entry", "refresh", "fetch"), [
    (None, False, True),
    (SeenEntry("done", 0.0, "x"), False, False),
    (SeenEntry("done", 0.0, "x"), True, True),
    (SeenEntry("inflight", 95.0, "e6"), False, True),      # the same event again
    (SeenEntry("inflight", 95.0, "other"), False, False),  # another event holds it
    (SeenEntry("inflight", 1.0, "other"), False, True),    # ... for longer than its ttl
    (SeenEntry("failed", 95.0, "x"), False, False),
    (SeenEntry("failed", 1.0, "x"), False, True),
])
def test_dedup_decision(entry: SeenEntry | None, refresh: bool, fetch: bool) -> None:
    assert should_fetch(entry, "e6", refresh=refresh, now=100.0, inflight_ttl=10.0,
                        failed_ttl=10.0) is fetch


def test_with_url_returns_the_same_exception_with_typed_fields() -> None:
    exc = ServerError("503")
    assert (exc.url, exc.submitted_url) == (None, None)
    tagged: NewswireError = exc.with_url(URL, SUBMITTED)
    assert tagged is exc
    assert (exc.url, exc.submitted_url) == (URL, SUBMITTED)
