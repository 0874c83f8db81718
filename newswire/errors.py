"""Errors, typed by what the pipeline does next.

    NewswireError                 root; ``reason`` is the stable reason code stored and exported,
    │                             ``url``/``submitted_url`` the URL it is about (``with_url``)
    ├── Retriable                 try again later (the event is re-queued, never dropped)
    │   ├── FetchTimeout          connect/read timeout or total deadline exceeded
    │   │   └── DnsTimeout        the name did not resolve within the resolver's timeout
    │   ├── ServerError           5xx from the origin
    │   ├── RateLimited           429 from the origin (``retry_after`` seconds, if it said)
    │   ├── TransientNetworkError connection reset or refused, keep-alive race, DNS EAI_AGAIN
    │   ├── StoreUnavailable      the database cannot be reached
    │   ├── KafkaUnavailable      a retriable Kafka error (broker away, leader moving, timeout)
    │   ├── RobotsUnavailable     the site's robots.txt could not be read (yet)
    │   └── PoolBroken            the parser pool itself failed (not the document)
    └── Permanent                 will fail the same way again: becomes a Failure + DLQ record
        ├── InvalidUrl            not an http(s) URL we can fetch
        ├── BlockedAddress        resolves to a refused network (SSRF protection)
        │   └── BlockedPort       a port outside the allowed ports
        ├── HttpStatus            4xx (other than 429)
        ├── NotHtml               content type is not HTML
        ├── TooLarge              body over the size cap (before or after decompression)
        ├── TooManyRedirects
        ├── RobotsDisallowed
        ├── FetchError            other transport error (TLS verification, unknown host, ...)
        ├── MalformedEvent        bytes on a topic that are not a valid event
        ├── StoreRejected         the database refused the record (data or constraint error)
        ├── EmptyExtraction       no article text could be extracted from the page
        ├── NotAnArticle          the page is not an article (index, gallery, ...)
        ├── ExtractionTimeout     the parser exceeded its time budget
        ├── MessageTooLarge       an output record over the topic's max.message.bytes
        ├── KafkaRejected         any other Kafka error that is not retriable
        ├── WorkerCrashed         a parser process died or ran out of its memory budget
        ├── WorkerError           a parser process raised something unexpected
        └── InternalError         a bug: any other exception a stage's handler raised

Library exceptions are converted at the edge (httpx, trafilatura, the database driver) so the
rest of the code only ever sees these.
"""

from __future__ import annotations

__all__ = [
    "BlockedAddress",
    "BlockedPort",
    "DnsTimeout",
    "EmptyExtraction",
    "ExtractionTimeout",
    "FetchError",
    "FetchTimeout",
    "HttpStatus",
    "InternalError",
    "InvalidUrl",
    "KafkaRejected",
    "KafkaUnavailable",
    "MalformedEvent",
    "MessageTooLarge",
    "NewswireError",
    "NotAnArticle",
    "NotHtml",
    "Permanent",
    "PoolBroken",
    "RateLimited",
    "Retriable",
    "RobotsDisallowed",
    "RobotsUnavailable",
    "ServerError",
    "StoreRejected",
    "StoreUnavailable",
    "TooLarge",
    "TooManyRedirects",
    "TransientNetworkError",
    "WorkerCrashed",
    "WorkerError",
]


class NewswireError(Exception):
    """Root of every error the pipeline raises on purpose."""

    reason: str = "error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.reason)
        self.detail = detail or self.reason
        # The URL the error is about, for its DLQ record; None when nobody could say.
        self.url: str | None = None
        self.submitted_url: str | None = None

    def with_url(self, url: str | None, submitted_url: str | None = None) -> NewswireError:
        """Attach the URL (and the URL as submitted) and return the same exception."""
        self.url = url
        self.submitted_url = submitted_url
        return self


class Retriable(NewswireError):
    reason = "retriable"


class Permanent(NewswireError):
    reason = "permanent"


class FetchTimeout(Retriable):
    reason = "timeout"


class DnsTimeout(FetchTimeout):
    reason = "dns_timeout"


class TransientNetworkError(Retriable):
    reason = "network"


class ServerError(Retriable):
    reason = "http_5xx"


class RateLimited(Retriable):
    reason = "http_429"

    def __init__(self, detail: str = "", retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class StoreUnavailable(Retriable):
    reason = "store_unavailable"


class KafkaUnavailable(Retriable):
    reason = "kafka_error"


class RobotsUnavailable(Retriable):
    reason = "robots_unavailable"


class PoolBroken(Retriable):
    """The pool itself failed (not the document): rebuilt, and the record retried."""

    reason = "parser_pool_broken"


class InvalidUrl(Permanent):
    reason = "invalid_url"


class BlockedAddress(Permanent):
    reason = "blocked_address"


class BlockedPort(BlockedAddress):
    reason = "blocked_port"


class HttpStatus(Permanent):
    reason = "http_4xx"

    def __init__(self, detail: str = "", status: int = 0) -> None:
        super().__init__(detail)
        self.status = status


class NotHtml(Permanent):
    reason = "not_html"


class TooLarge(Permanent):
    reason = "too_large"


class TooManyRedirects(Permanent):
    reason = "too_many_redirects"


class RobotsDisallowed(Permanent):
    reason = "robots"


class FetchError(Permanent):
    reason = "fetch_error"


class MalformedEvent(Permanent):
    reason = "malformed_event"


class StoreRejected(Permanent):
    reason = "store_rejected"


class EmptyExtraction(Permanent):
    reason = "empty_extraction"


class NotAnArticle(Permanent):
    reason = "not_an_article"


class ExtractionTimeout(Permanent):
    reason = "extraction_timeout"


class MessageTooLarge(Permanent):
    reason = "message_too_large"


class KafkaRejected(Permanent):
    reason = "kafka_rejected"


class WorkerCrashed(Permanent):
    reason = "worker_crashed"


class WorkerError(Permanent):
    reason = "parser_error"


class InternalError(Permanent):
    reason = "internal_error"
