"""The small HTTP surface every service exposes: /metrics, /livez, /readyz."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

__all__ = ["health_routes", "start_site"]

ReadyCheck = Callable[[], Awaitable[tuple[bool, dict[str, object]]]]


def health_routes(registry: CollectorRegistry, ready: ReadyCheck) -> list[web.RouteDef]:
    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def livez(_: web.Request) -> web.Response:
        # Answering at all proves the event loop is turning.
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        ok, detail = await ready()
        return web.json_response({"ready": ok, **detail}, status=200 if ok else 503)

    return [web.get("/metrics", metrics), web.get("/livez", livez), web.get("/readyz", readyz)]


async def start_site(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port, reuse_address=True).start()
    return runner
