"""`newswire submit`: validate, canonicalise and publish URLs (acks=all)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

from newswire.errors import InvalidUrl
from newswire.events import UrlSubmitted, cloudevent_headers, encode
from newswire.kafka import make_producer, start_client
from newswire.settings import Settings
from newswire.topics import Topics
from newswire.tracing import new_traceparent
from newswire.urls import canonicalize, domain_key

__all__ = ["SubmitResult", "submit_urls"]


@dataclass
class SubmitResult:
    submitted: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)


async def submit_urls(settings: Settings, urls: Iterable[str], *, refresh: bool = False,
                      source: str = "submit") -> SubmitResult:
    """Publish every valid URL; invalid ones are collected with the reason, not raised."""
    result = SubmitResult()
    events: list[UrlSubmitted] = []
    for raw in urls:
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            continue
        try:
            url = canonicalize(raw)
        except InvalidUrl as exc:
            result.rejected.append((raw, exc.detail))
            continue
        events.append(UrlSubmitted(submitted_url=raw, url=url, refresh=refresh, source=source))
    if not events:
        return result
    topic = Topics(settings.kafka.namespace).url_submitted
    producer = make_producer(settings.kafka)
    await start_client(producer)
    try:
        futures = [
            await producer.send(
                topic, key=domain_key(ev.url).encode(), value=encode(ev),
                headers=[*cloudevent_headers(ev, "newswire/submit").items(),
                         ("traceparent", new_traceparent().encode())])
            for ev in events
        ]
        for ev, fut in zip(events, futures, strict=True):
            await fut  # raises if the broker did not acknowledge
            result.submitted.append(ev.url)
    finally:
        await producer.stop()
    return result


def report(result: SubmitResult) -> int:
    for raw, why in result.rejected:
        print(f"newswire submit: rejected {raw!r}: {why}", file=sys.stderr)
    print(f"submitted {len(result.submitted)} URL(s)"
          + (f", rejected {len(result.rejected)}" if result.rejected else ""), file=sys.stderr)
    return 1 if result.rejected else 0
