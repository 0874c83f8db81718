"""Submitting URLs: validate, canonicalise and publish them (acks=all).

One code path for every way in: `newswire submit`, `newswire discover` and the store API's
``POST /urls`` all go through ``Submitter``. A URL is published once per call (copies that
canonicalise alike are one event) with its registrable domain as the key and CloudEvents and
traceparent headers; what happens to a URL already stored is the ingest stage's dedup.
"""

from __future__ import annotations

import asyncio
import ipaddress
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urlsplit

from aiokafka import AIOKafkaProducer

from newswire.addresses import host_address, refused
from newswire.errors import BlockedAddress, InvalidUrl
from newswire.events import UrlSubmitted, cloudevent_headers, encode
from newswire.kafka import make_producer, start_client
from newswire.settings import Settings
from newswire.topics import Topics
from newswire.tracing import new_traceparent
from newswire.urls import canonicalize, domain_key

__all__ = ["Rejected", "SubmitResult", "Submitter", "check_url", "submit_urls"]


@dataclass(frozen=True)
class Rejected:
    url: str
    reason: str
    detail: str


@dataclass
class SubmitResult:
    accepted: list[tuple[str, str]] = field(default_factory=list)  # (as given, canonical)
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def submitted(self) -> list[str]:
        """The canonical URLs published, once each."""
        return list(dict.fromkeys(canonical for _, canonical in self.accepted))


def check_url(raw: str, allow_networks: Iterable[str] | None = None) -> str:
    """The canonical URL, or InvalidUrl / BlockedAddress. With ``allow_networks`` (the ingest
    guard's exemptions) a host that is an address the guard would refuse is refused here."""
    url = canonicalize(raw)
    if allow_networks is not None:
        addr = host_address(urlsplit(url).hostname or "")
        allow = [ipaddress.ip_network(n, strict=False) for n in allow_networks]
        why = refused(addr, allow) if addr is not None else None
        if why:
            raise BlockedAddress(why)
    return url


class Submitter:
    """Publishes UrlSubmitted events; its producer starts on the first URL to publish.

    ``screen_addresses`` refuses hosts that are refused addresses up front (the API does; the
    CLI leaves that to the ingest guard, which records a Failure for them)."""

    def __init__(self, settings: Settings, *, screen_addresses: bool = False) -> None:
        self.settings = settings
        self.topic = Topics(settings.kafka.namespace).url_submitted
        self._allow = settings.ingest.allow_networks if screen_addresses else None
        self._producer: AIOKafkaProducer | None = None
        self._starting = asyncio.Lock()

    async def __aenter__(self) -> Submitter:
        return self

    async def __aexit__(self, *_: type[BaseException] | BaseException | TracebackType | None
                        ) -> None:
        await self.stop()

    async def stop(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()

    async def _started(self) -> AIOKafkaProducer:
        async with self._starting:
            if self._producer is None:
                producer = make_producer(self.settings.kafka)
                await start_client(producer)
                self._producer = producer
            return self._producer

    def check(self, urls: Iterable[str]) -> SubmitResult:
        """Validate without publishing. Blank lines and #comments are skipped."""
        result = SubmitResult()
        for raw in urls:
            raw = raw.strip()
            if not raw or raw.startswith("#"):
                continue
            try:
                result.accepted.append((raw, check_url(raw, self._allow)))
            except (InvalidUrl, BlockedAddress) as exc:
                result.rejected.append(Rejected(raw, exc.reason, exc.detail))
        return result

    async def submit(self, urls: Iterable[str], *, refresh: bool = False,
                     source: str = "submit") -> SubmitResult:
        """Publish every valid URL (once each) and wait until the broker acknowledged all;
        invalid ones are collected with the reason, not raised."""
        result = self.check(urls)
        first: dict[str, str] = {}
        for raw, url in result.accepted:
            first.setdefault(url, raw)
        events = [UrlSubmitted(submitted_url=raw, url=url, refresh=refresh, source=source)
                  for url, raw in first.items()]
        if not events:
            return result
        producer = await self._started()
        futures = [
            await producer.send(
                self.topic, key=domain_key(ev.url).encode(), value=encode(ev),
                headers=[*cloudevent_headers(ev, "newswire/submit").items(),
                         ("traceparent", new_traceparent().encode())])
            for ev in events
        ]
        for fut in futures:
            await fut  # raises if the broker did not acknowledge
        return result


async def submit_urls(settings: Settings, urls: Iterable[str], *, refresh: bool = False,
                      source: str = "submit") -> SubmitResult:
    """Publish every valid URL with a producer of its own (the CLI's one-shot path)."""
    async with Submitter(settings) as submitter:
        return await submitter.submit(urls, refresh=refresh, source=source)


def report(result: SubmitResult) -> int:
    for rejected in result.rejected:
        print(f"newswire submit: rejected {rejected.url!r}: {rejected.detail}", file=sys.stderr)
    print(f"submitted {len(result.submitted)} URL(s)"
          + (f", rejected {len(result.rejected)}" if result.rejected else ""), file=sys.stderr)
    return 1 if result.rejected else 0

