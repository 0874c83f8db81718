"""The web explorer: a single-page app (plain HTML, CSS and JavaScript, no build step, no
CDN) that the store API serves at ``/``. It reads only the public API, on the same origin."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

__all__ = ["explorer_routes"]

_HERE = Path(__file__).parent


def explorer_routes() -> list[web.RouteDef | web.StaticDef]:
    """``/`` is the app's page; ``/explorer/`` its script and style sheet."""

    async def index(_: web.Request) -> web.FileResponse:
        return web.FileResponse(_HERE / "index.html", headers={"Cache-Control": "no-cache"})

    return [web.get("/", index), web.static("/explorer", _HERE / "static")]
