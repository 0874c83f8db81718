"""The consumer Faust builds for every service waits at most 40 ms for an empty fetch: the
embedded broker answers a long poll late, so each hop of an idle pipeline waited up to the
whole fetch wait (100 ms before: 21-29 ms mean queue delay per hop, one article's p50 about
180 ms against the 150 ms target)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from newswire.faustapp import create_faust_app
from newswire.settings import Settings


async def test_every_service_consumer_waits_at_most_40_ms_for_an_empty_fetch(
        tmp_path: Path) -> None:
    for service in ("ingest", "extract", "store"):
        app = create_faust_app(service, Settings(data_dir=tmp_path), CollectorRegistry())
        thread: Any = app.consumer._thread  # type: ignore[attr-defined]  # the aiokafka driver's
        consumer = thread._create_worker_consumer(app.transport)
        try:
            assert consumer._fetch_max_wait_ms <= 40
        finally:
            await consumer.stop()
            thread.thread_loop.close()
