"""What every service process shares: registry, metrics, Faust app, HTTP surface, lifecycle.

A service module builds a ``ServiceRuntime``, registers its agents with ``runtime.stage``,
adds resources to open and close (the lifespan), and calls ``runtime.run()``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import faust
import mode
from aiohttp import web
from prometheus_client import CollectorRegistry

from newswire.faustapp import create_faust_app
from newswire.kafka import ensure_topics
from newswire.logs import logging_config
from newswire.metrics import StageMetrics
from newswire.settings import Settings
from newswire.stage import Stage
from newswire.topics import Topics
from newswire.web import health_routes, start_site

__all__ = ["ServiceRuntime"]

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]


class _Lifespan(mode.Service):
    """Opens the service's resources and HTTP site on start and closes them on stop."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime
        super().__init__()

    async def on_start(self) -> None:
        # Every service keys or compares URLs by registrable domain; load the public-suffix
        # list now (~0.2 s of CPU) rather than while the first URL waits (forked parser
        # processes inherit it).
        from newswire.urls import warm_up as urls_warm_up

        urls_warm_up()
        for hook in self.runtime.startup_hooks:
            await hook()
        rt = self.runtime
        rt.runner = await start_site(rt.web_app, rt.http_host, rt.http_port)
        log.info("%s serving /metrics on http://%s:%s", rt.name, rt.http_host, rt.http_port)

    async def on_stop(self) -> None:
        if self.runtime.runner is not None:
            await self.runtime.runner.cleanup()
        for hook in reversed(self.runtime.shutdown_hooks):
            try:
                await hook()
            except Exception:  # closing must go on for the other resources
                log.exception("shutdown hook failed")


class ServiceRuntime:
    def __init__(self, name: str, settings: Settings, http_host: str, http_port: int) -> None:
        self.name = name
        self.settings = settings
        self.topics = Topics(settings.kafka.namespace)
        self.registry = CollectorRegistry()
        self.metrics = StageMetrics(self.registry)
        self.app: faust.App = create_faust_app(name, settings, self.registry)
        self.stage = Stage(self.app, name, self.metrics, self.topics)
        self.http_host = http_host
        self.http_port = http_port
        self.startup_hooks: list[Hook] = []
        self.shutdown_hooks: list[Hook] = []
        self.runner: web.AppRunner | None = None
        self.web_app = web.Application(client_max_size=1024 * 1024)
        self.web_app.add_routes(health_routes(self.registry, self.ready))
        self.started_at = time.time()

    async def ready(self) -> tuple[bool, dict[str, object]]:
        """Ready when the consumer has joined its group, owns partitions and is not
        rebalancing (a worker with nothing assigned is reported, not ready)."""
        consumer = self.app.consumer
        try:
            assigned = len(consumer.assignment())
        except Exception:  # consumer not started yet
            assigned = 0
        ok = assigned > 0 and not self.app.rebalancing
        return ok, {"service": self.name, "assigned_partitions": assigned,
                    "rebalancing": bool(self.app.rebalancing)}

    def run(self) -> None:
        """Create topics if missing, then run the Faust worker until SIGINT/SIGTERM."""
        asyncio.run(ensure_topics(self.settings.kafka, self.topics))
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self.worker(loop).execute_from_commandline()

    def worker(self, loop: asyncio.AbstractEventLoop) -> faust.Worker:
        """The Faust worker that runs the service, without its terminal spinner: at a log
        level of warning or above, Faust gives the spinner a DEBUG handler and sets the root
        logger to DEBUG, so every debug line of every library (httpcore, aiokafka, Faust,
        this code) was built into a record and handled, only to be filtered out: 2-4% of
        ingest's CPU (py-spy, bench pipeline at warning)."""
        worker = faust.Worker(self.app, _Lifespan(self), loglevel=self.settings.log_level,
                              logging_config=logging_config(self.settings.log_level),
                              quiet=True, loop=loop)
        worker.spinner = None
        return worker
