"""The store's query API (aiohttp): articles (by URL, by id, listed), claims, speakers, search,
stories, stats, URL submission, and its OpenAPI document (openapi.py) with a docs page."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from aiohttp.typedefs import Handler
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from newswire.errors import InvalidUrl, StoreUnavailable
from newswire.submit import Submitter
from newswire.urls import canonicalize
from services.store.db import Store, utc_timestamp
from services.store.listing import ArticleFilter, list_articles, list_speakers
from services.store.models import MAX_QUERY_CHARS, MAX_QUERY_WORDS, SubmitRequest
from services.store.openapi import OPENAPI
from services.store.text import InvalidCursor, decode_cursor, encode_cursor, tokens

__all__ = ["MAX_BODY_BYTES", "OPENAPI", "BadRequest", "api_app", "api_routes",
           "errors_middleware"]

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1024 * 1024

_DOCS_PAGE = Path(__file__).with_name("docs.html")
_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")

ReadyCheck = Callable[[], Awaitable[tuple[bool, dict[str, object]]]]
_ARTICLE_FIELDS = ("id", "url", "canonical_url", "title", "text", "author", "published",
                   "language", "site", "fetched_at", "final_url", "version", "content_hash",
                   "metadata", "claims", "claims_partial", "domain", "duplicate_of",
                   "duplicate_similarity", "duplicates", "story_id")


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status=status)


def _article_payload(row: dict[str, Any]) -> dict[str, Any]:
    return {"status": "ok", **{k: row.get(k) for k in _ARTICLE_FIELDS}}


class BadRequest(Exception):
    """A request this API refuses with 400 and a message."""


def _text(request: web.Request, name: str, max_len: int = MAX_QUERY_CHARS) -> str | None:
    value = request.query.get(name)
    if value is None:
        return None
    if len(value) > max_len:
        raise BadRequest(f"{name} is longer than {max_len} characters")
    if "\x00" in value:
        raise BadRequest(f"{name} contains a NUL character")
    return value


def _words(request: web.Request, name: str, required: bool = False) -> list[str] | None:
    value = _text(request, name)
    if value is None or not value.strip():
        if required:
            raise BadRequest(f"query parameter {name!r} is required")
        return None
    words = tokens(value)
    if not words:
        raise BadRequest(f"{name} has no words to search for")
    if len(words) > MAX_QUERY_WORDS:
        raise BadRequest(f"{name} has more than {MAX_QUERY_WORDS} words")
    return words


def _int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return value


def _bool(request: web.Request, name: str) -> bool | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise BadRequest(f"{name} must be true or false")


def _cursor(request: web.Request, kind: str, types: list[type]) -> list[Any] | None:
    raw = request.query.get("cursor")
    if raw is None or raw == "":
        return None
    try:
        return decode_cursor(kind, raw, types)
    except InvalidCursor as exc:
        raise BadRequest(f"invalid cursor: {exc}") from None


def _since(request: web.Request) -> str | None:
    raw = _text(request, "since", 64)
    if raw is None:
        return None
    try:
        return utc_timestamp(datetime.fromisoformat(raw.strip()))
    except (ValueError, OverflowError):  # OverflowError: out of range once moved to UTC
        raise BadRequest("since must be an ISO 8601 date or date-time between years 1 and "
                         "9999, e.g. 2026-05-01 or 2026-05-01T12:00:00Z") from None


def _min_confidence(request: web.Request) -> float | None:
    """``min_confidence``: the precision knob, a number in [0, 1]; claims without a
    confidence (stored before claims carried one) are left out when it is given."""
    raw = _text(request, "min_confidence", 32)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest("min_confidence must be a number between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise BadRequest("min_confidence must be a number between 0 and 1")
    return value


def _id(request: web.Request, what: str, value: str | None = None) -> str:
    value = request.match_info["id"] if value is None else value
    if not _ID.fullmatch(value):
        raise BadRequest(f"invalid {what} id: expected 1-128 letters, digits, '-' or '_'")
    return value


def _page(items: list[Any], limit: int, key: Callable[[Any], list[Any]], kind: str
          ) -> tuple[list[Any], str | None]:
    """The first ``limit`` items and a cursor for the rest (None on the last page)."""
    if len(items) <= limit:
        return items, None
    items = items[:limit]
    return items, encode_cursor(kind, key(items[-1]))


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refusals become 400 with a message, a database outage 503; never a bare 500."""
    try:
        return await handler(request)
    except BadRequest as exc:
        return _error(400, str(exc))
    except StoreUnavailable as exc:  # the driver's words (host, user...) stay in the log
        log.warning("%s %s: database unavailable: %s", request.method, request.path, exc.detail)
        return _error(503, "database unavailable")


def api_routes(store: Store, submitter: Submitter | None = None) -> list[web.RouteDef]:
    """The API's routes; ``submitter`` publishes what POST /urls accepts (without one,
    POST /urls answers 503)."""
    async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def articles(request: web.Request) -> web.Response:
        if "url" in request.query:
            return await articles_by_url(request)
        since = _since(request)
        story_id = _text(request, "story_id", 128) or None  # an empty field filters nothing
        where = ArticleFilter(
            site=_text(request, "site", 253) or None,
            language=_text(request, "language", 32) or None,
            since=datetime.strptime(since, "%Y-%m-%dT%H:%M:%S.%fZ") if since else None,
            has_claims=_bool(request, "has_claims"),
            story_id=_id(request, "story", story_id) if story_id is not None else None)
        limit = _int(request, "limit", 20, 1, 100)
        after = _cursor(request, "articles", [str, str])
        found = await call(list_articles, store, where, tuple(after) if after else None,
                           limit + 1)
        found, cursor = _page(found, limit, lambda a: [a["fetched_at"], a["id"]], "articles")
        return _json({"items": found, "next_cursor": cursor})

    async def articles_by_url(request: web.Request) -> web.Response:
        raw = _text(request, "url", 8192)
        if not raw:
            return _error(400, "query parameter 'url' is required")
        try:
            url = canonicalize(raw)
        except InvalidUrl as exc:
            return _error(400, f"invalid url: {exc.detail}")
        article_id = await call(store.article_id_for_url, url)
        if article_id is not None:
            row = await call(store.article, article_id)
            if row is not None:
                return _json(_article_payload(row))
        failure = await call(store.failure_for_url, url)
        if failure is not None:
            return _json({"status": "failed", "url": url, **failure})
        return _json({"status": "pending", "url": url,
                      "detail": "not stored and not failed (yet): still in flight or unknown"},
                     status=404)

    async def article_by_id(request: web.Request) -> web.Response:
        article_id = _id(request, "article")
        row = await call(store.article, article_id)
        if row is None:
            return _error(404, f"no article with id {article_id!r}")
        return _json(_article_payload(row))

    async def article_claims(request: web.Request) -> web.Response:
        article_id = _id(request, "article")
        limit = _int(request, "limit", 100, 1, 1000)
        after = _cursor(request, "article_claims", [str, int])
        min_confidence = _min_confidence(request)
        if after is not None and after[0] != article_id:
            raise BadRequest("invalid cursor: it belongs to another article")
        if not await call(store.article_exists, article_id):
            return _error(404, f"no article with id {article_id!r}")
        claims = await call(store.article_claims, article_id,
                            after[1] if after else None, limit + 1, min_confidence)
        claims, cursor = _page(claims, limit, lambda c: [article_id, c["index"]],
                               "article_claims")
        return _json({"article_id": article_id, "claims": claims, "next_cursor": cursor})

    async def search(request: web.Request) -> web.Response:
        words = _words(request, "q", required=True)
        limit = _int(request, "limit", 20, 1, 100)
        after = _cursor(request, "search", [float, str])
        hits = await call(store.search, words, tuple(after) if after else None, limit + 1)
        hits, cursor = _page(hits, limit, lambda h: [h["rank"], h["id"]], "search")
        return _json({"query": " ".join(words or []), "results": hits, "next_cursor": cursor})

    async def claims(request: web.Request) -> web.Response:
        speaker = _words(request, "speaker")
        words = _words(request, "q")
        since = _since(request)
        kind = _text(request, "kind", 32)
        if kind is not None and kind not in ("quote", "statement"):
            raise BadRequest("kind must be 'quote' or 'statement'")
        limit = _int(request, "limit", 50, 1, 500)
        after = _cursor(request, "claims", [str, str, int])
        found = await call(store.find_claims, speaker=" ".join(speaker or []),
                           q=" ".join(words or []), since=since, kind=kind,
                           min_confidence=_min_confidence(request),
                           after=tuple(after) if after else None, limit=limit + 1)
        found, cursor = _page(found, limit,
                              lambda c: [c["seen_at"], c["article_id"], c["index"]], "claims")
        return _json({"claims": found, "next_cursor": cursor})

    async def speakers(request: web.Request) -> web.Response:
        words = _words(request, "q")
        limit = _int(request, "limit", 20, 1, 100)
        after = _cursor(request, "speakers", [int, str])
        found = await call(list_speakers, store, " ".join(words or []),
                           tuple(after) if after else None, limit + 1)
        found, cursor = _page(found, limit, lambda s: [s["claims"], s["speaker_name"]],
                              "speakers")
        return _json({"items": found, "next_cursor": cursor})

    async def stories(request: web.Request) -> web.Response:
        min_sites = _int(request, "min_sites", 2, 1, 1000)
        limit = _int(request, "limit", 20, 1, 100)
        after = _cursor(request, "stories", [str, str])
        found = await call(store.stories, min_sites, tuple(after) if after else None,
                           limit + 1)
        found, cursor = _page(found, limit, lambda s: [s["updated_at"], s["id"]], "stories")
        return _json({"stories": found, "next_cursor": cursor})

    async def story(request: web.Request) -> web.Response:
        story_id = _id(request, "story")
        found = await call(store.story, story_id)
        if found is None:
            return _error(404, f"no story with id {story_id!r}")
        return _json(found)

    async def stats(_: web.Request) -> web.Response:
        return _json(await call(store.stats))

    async def failures(request: web.Request) -> web.Response:
        limit = _int(request, "limit", 100, 1, 1000)
        return _json({"failures": await call(store.failures, limit)})

    async def submit(request: web.Request) -> web.Response:
        try:
            body = SubmitRequest.model_validate_json(await request.read(), strict=True)
        except ValidationError as exc:
            raise BadRequest("malformed body: " + "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}"
                for e in exc.errors()[:5])) from None
        if submitter is None:
            return _error(503, "URL submission is not configured on this server")
        try:
            result = await submitter.submit(body.urls, refresh=body.refresh, source="api")
        except (KafkaError, OSError) as exc:
            return _error(503, f"broker unavailable: {type(exc).__name__}: {exc}")
        return _json({"accepted": [{"url": raw, "canonical_url": url}
                                   for raw, url in result.accepted],
                      "rejected": [{"url": r.url, "reason": r.reason, "detail": r.detail}
                                   for r in result.rejected]}, status=202)

    async def openapi(_: web.Request) -> web.Response:
        return _json(OPENAPI)

    async def docs(_: web.Request) -> web.Response:
        return web.Response(body=_DOCS_PAGE.read_bytes(), content_type="text/html")

    return [
        web.get("/articles", articles),
        web.get("/articles/{id}", article_by_id),
        web.get("/articles/{id}/claims", article_claims),
        web.get("/search", search),
        web.get("/claims", claims),
        web.get("/speakers", speakers),
        web.get("/stories", stories),
        web.get("/stories/{id}", story),
        web.get("/stats", stats),
        web.get("/failures", failures),
        web.post("/urls", submit),
        web.get("/openapi.json", openapi),
        web.get("/docs", docs),
    ]


def api_app(store: Store, submitter: Submitter | None = None,
            extra_routes: Iterable[web.AbstractRouteDef] = ()) -> web.Application:
    """The API as an application: its routes (and ``extra_routes``, e.g. health) behind the
    error middleware, request bodies capped at MAX_BODY_BYTES (413 beyond)."""
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[errors_middleware])
    app.add_routes(api_routes(store, submitter))
    app.add_routes(list(extra_routes))
    return app
