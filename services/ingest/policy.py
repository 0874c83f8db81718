"""What ingest does with one URL, decided without I/O: the pure core of services/ingest/app.py.

The app wires decode -> ``should_fetch`` (via ``SeenTable.claim``) -> ``conditional_headers`` ->
fetch -> ``on_retriable`` / ``failed_entry`` / ``after_fetch`` -> publish. Nothing here
touches Kafka, an HTTP client or Faust; time and randomness come in as arguments.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newswire.errors import NewswireError, Permanent, RateLimited, Retriable

# The dedup decision lives with the table it reads (seen.py, pure as well) and is part of
# this policy: re-exported here.
from services.ingest.seen import SeenEntry, should_fetch

if TYPE_CHECKING:
    from newswire.settings import IngestSettings

__all__ = [
    "Fetched",
    "IngestPolicy",
    "Retry",
    "after_fetch",
    "conditional_headers",
    "failed_entry",
    "should_fetch",
]

Uniform = Callable[[float, float], float]


def conditional_headers(claim: SeenEntry, *, refresh: bool) -> dict[str, str] | None:
    """A refresh asks for the page only if it changed since the last fetch; a first fetch
    (or a duplicate the dedup let through) asks unconditionally."""
    if not refresh:
        return None
    headers: dict[str, str] = {}
    if claim.etag:
        headers["If-None-Match"] = claim.etag
    if claim.last_modified:
        headers["If-Modified-Since"] = claim.last_modified
    return headers or None


@dataclass(frozen=True, slots=True)
class Retry:
    """Re-queue the URL with ``attempt + 1``, not before ``delay`` seconds from now."""

    delay: float
    reason: str


@dataclass(frozen=True, slots=True)
class IngestPolicy:
    retries: int
    retry_base_seconds: float
    retry_max_seconds: float

    @classmethod
    def from_settings(cls, cfg: IngestSettings) -> IngestPolicy:
        return cls(cfg.retries, cfg.retry_base_seconds, cfg.retry_max_seconds)

    def retry_delay(self, exc: Retriable, attempt: int, uniform: Uniform = random.uniform
                    ) -> float:
        """Retry-After wins; otherwise exponential backoff with ±20 % jitter; capped."""
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            return min(exc.retry_after, self.retry_max_seconds)
        return min(self.retry_base_seconds * (2.0 ** attempt) * uniform(0.8, 1.2),
                   self.retry_max_seconds)

    def domain_backoff(self, exc: Retriable) -> float | None:
        """How long the whole domain waits after this failure (a 429 that said), if at all."""
        if isinstance(exc, RateLimited) and exc.retry_after:
            return min(exc.retry_after, self.retry_max_seconds)
        return None

    def on_retriable(self, exc: Retriable, attempt: int, url: str, submitted_url: str,
                     uniform: Uniform = random.uniform) -> Retry | NewswireError:
        """Retry while attempts remain; after the last one a Permanent failure for the DLQ
        that keeps the reason and carries the URL."""
        if attempt < self.retries:
            return Retry(self.retry_delay(exc, attempt, uniform), exc.reason)
        final = Permanent(f"{exc.detail} (after {attempt + 1} attempts)")
        final.reason = exc.reason
        return final.with_url(url, submitted_url)


def failed_entry(claim: SeenEntry, event_id: str, now: float) -> SeenEntry:
    """The dedup state after a failure: what a later refresh needs is kept."""
    return dataclasses.replace(claim, state="failed", at=now, claim=event_id)


@dataclass(frozen=True, slots=True)
class Fetched:
    """The dedup state after a fetch, and whether the page is the same as last time."""

    entry: SeenEntry
    unchanged: bool


def after_fetch(claim: SeenEntry, event_id: str, now: float, *, status: int, body: bytes,
                etag: str | None, last_modified: str | None) -> Fetched:
    """A 304, or the same bytes as before, is unchanged (nothing is published)."""
    body_hash = hashlib.sha256(body).hexdigest() if status != 304 else None
    entry = dataclasses.replace(
        claim, state="done", at=now, claim=event_id, etag=etag or claim.etag,
        last_modified=last_modified or claim.last_modified,
        body_hash=body_hash or claim.body_hash)
    unchanged = status == 304 or bool(claim.body_hash and body_hash == claim.body_hash)
    return Fetched(entry, unchanged)
