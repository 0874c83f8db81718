"""The store's query API (aiohttp): articles by URL or id, stats, health, OpenAPI."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from newswire.errors import InvalidUrl, StoreUnavailable
from newswire.urls import canonicalize
from services.store.db import Store

__all__ = ["OPENAPI", "api_routes"]

ReadyCheck = Callable[[], Awaitable[tuple[bool, dict[str, object]]]]
_ARTICLE_FIELDS = ("id", "url", "canonical_url", "title", "text", "author", "published",
                   "language", "site", "fetched_at", "final_url", "version", "content_hash",
                   "metadata", "claims", "claims_partial")


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status=status)


def _article_payload(row: dict[str, Any]) -> dict[str, Any]:
    return {"status": "ok", **{k: row.get(k) for k in _ARTICLE_FIELDS}}


def api_routes(store: Store) -> list[web.RouteDef]:
    async def call(fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    async def articles_by_url(request: web.Request) -> web.Response:
        raw = request.query.get("url")
        if not raw:
            return _error(400, "query parameter 'url' is required")
        try:
            url = canonicalize(raw)
        except InvalidUrl as exc:
            return _error(400, f"invalid url: {exc.detail}")
        try:
            article_id = await call(store.article_id_for_url, url)
            if article_id is not None:
                row = await call(store.article, article_id)
                if row is not None:
                    return _json(_article_payload(row))
            failure = await call(store.failure_for_url, url)
        except StoreUnavailable as exc:
            return _error(503, exc.detail)
        if failure is not None:
            return _json({"status": "failed", "url": url, **failure})
        return _json({"status": "pending", "url": url,
                      "detail": "not stored and not failed (yet): still in flight or unknown"},
                     status=404)

    async def article_by_id(request: web.Request) -> web.Response:
        article_id = request.match_info["id"]
        if len(article_id) > 128:
            return _error(400, "article id too long")
        try:
            row = await call(store.article, article_id)
        except StoreUnavailable as exc:
            return _error(503, exc.detail)
        if row is None:
            return _error(404, f"no article with id {article_id!r}")
        return _json(_article_payload(row))

    async def stats(_: web.Request) -> web.Response:
        try:
            return _json(await call(store.stats))
        except StoreUnavailable as exc:
            return _error(503, exc.detail)

    async def failures(request: web.Request) -> web.Response:
        try:
            limit = min(max(int(request.query.get("limit", "100")), 1), 1000)
        except ValueError:
            return _error(400, "limit must be an integer")
        try:
            return _json({"failures": await call(store.failures, limit)})
        except StoreUnavailable as exc:
            return _error(503, exc.detail)

    async def openapi(_: web.Request) -> web.Response:
        return _json(OPENAPI)

    return [
        web.get("/articles", articles_by_url),
        web.get("/articles/{id}", article_by_id),
        web.get("/stats", stats),
        web.get("/failures", failures),
        web.get("/openapi.json", openapi),
    ]


_ARTICLE_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"enum": ["ok"]}, "id": {"type": "string"}, "url": {"type": "string"},
        "canonical_url": {"type": "string"}, "title": {"type": ["string", "null"]},
        "text": {"type": "string"}, "author": {"type": ["string", "null"]},
        "published": {"type": ["string", "null"]}, "language": {"type": ["string", "null"]},
        "site": {"type": ["string", "null"]}, "fetched_at": {"type": "string"},
        "claims": {"type": "array", "items": {"type": "object"}},
    },
}
_FAILED_SCHEMA = {
    "type": "object",
    "properties": {"status": {"enum": ["failed"]}, "stage": {"type": "string"},
                   "reason": {"type": "string"}, "detail": {"type": "string"}},
}
_ERROR = {"description": "error", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"error": {"type": "string"}}}}}}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "newswire store API", "version": "1"},
    "paths": {
        "/articles": {"get": {
            "summary": "The article stored for a URL (any spelling that canonicalises to it)",
            "parameters": [{"name": "url", "in": "query", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {
                "200": {"description": "stored (status ok) or failed (status failed)",
                        "content": {"application/json": {"schema": {
                            "oneOf": [_ARTICLE_SCHEMA, _FAILED_SCHEMA]}}}},
                "400": _ERROR, "404": {"description": "still in flight or never submitted"}}}},
        "/articles/{id}": {"get": {
            "summary": "An article by id",
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "the article", "content": {
                "application/json": {"schema": _ARTICLE_SCHEMA}}}, "404": _ERROR}}},
        "/stats": {"get": {"summary": "Counts of stored articles, failures and claims",
                           "responses": {"200": {"description": "counts"}}}},
        "/failures": {"get": {"summary": "Most recent failures",
                              "parameters": [{"name": "limit", "in": "query",
                                              "schema": {"type": "integer"}}],
                              "responses": {"200": {"description": "failures"}}}},
        "/metrics": {"get": {"summary": "Prometheus metrics",
                             "responses": {"200": {"description": "text exposition"}}}},
        "/livez": {"get": {"summary": "Liveness", "responses": {"200": {"description": "alive"}}}},
        "/readyz": {"get": {"summary": "200 when the broker is reachable and every stage consumes",
                            "responses": {"200": {"description": "ready"},
                                          "503": {"description": "not ready"}}}},
    },
}
