"""The store's query API (aiohttp): articles by URL or id, stats, health, OpenAPI."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

from newswire.errors import InvalidUrl, StoreUnavailable
from newswire.urls import canonicalize
from services.store.db import Store, utc_timestamp
from services.store.text import InvalidCursor, decode_cursor, encode_cursor, tokens

__all__ = ["OPENAPI", "BadRequest", "api_routes", "errors_middleware"]

MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 32
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
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise BadRequest("since must be an ISO 8601 date or date-time, "
                         "e.g. 2026-05-01 or 2026-05-01T12:00:00Z") from None
    return utc_timestamp(moment)


def _id(request: web.Request, what: str) -> str:
    value = request.match_info["id"]
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
async def errors_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Refusals become 400 with a message, a database outage 503; never a bare 500."""
    try:
        return await handler(request)
    except BadRequest as exc:
        return _error(400, str(exc))
    except StoreUnavailable as exc:
        return _error(503, f"database unavailable: {exc.detail}")


def article_list_handler(store: Store) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A minimal ``GET /articles`` without ``url`` (newest first; filters site, language,
    since, has_claims, story_id; keyset pages), written so the explorer could be tested while
    the complete version is built on the API branch: on merge, take that one."""

    def query(site: str | None, language: str | None, since: str | None,
              has_claims: bool | None, story_id: str | None,
              after: list[Any] | None, limit: int) -> list[dict[str, Any]]:
        count = "(SELECT COUNT(*) FROM claims c WHERE c.article_id = a.id)"
        where, params = ["1 = 1"], []
        for column, value in (("a.domain", site), ("a.language", language),
                              ("a.story_id", story_id)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if since:
            where.append("a.fetched_at >= ?")
            params.append(since)
        if has_claims is not None:
            where.append(f"{count} {'>' if has_claims else '='} 0")
        if after:
            where.append("(a.fetched_at < ? OR (a.fetched_at = ? AND a.id < ?))")
            params += [after[0], after[0], after[1]]
        with store._cursor() as cur:  # noqa: SLF001 - stand-in until the API branch merges
            cur.execute(store._sql(  # noqa: SLF001
                f"SELECT a.id, a.url, a.canonical_url, a.title, a.domain, a.language, "
                f"a.published, a.fetched_at, {count}, a.story_id, a.duplicate_of "
                f"FROM articles a WHERE {' AND '.join(where)} "
                f"ORDER BY a.fetched_at DESC, a.id DESC LIMIT ?"), [*params, limit])
            names = ("id", "url", "canonical_url", "title", "site", "language", "published",
                     "fetched_at", "claims_count", "story_id", "duplicate_of")
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    async def handler(request: web.Request) -> web.Response:
        flag = _text(request, "has_claims", 8)
        if flag not in (None, "", "true", "false", "1", "0"):
            raise BadRequest("has_claims must be true or false")
        limit = _int(request, "limit", 50, 1, 500)
        after = _cursor(request, "articles", [str, str])
        found = await asyncio.to_thread(
            query, _text(request, "site", 256), _text(request, "language", 16),
            _since(request), None if not flag else flag in ("true", "1"),
            _text(request, "story_id", 128), after, limit + 1)
        found, cursor = _page(found, limit, lambda a: [a["fetched_at"], a["id"]], "articles")
        return _json({"items": found, "next_cursor": cursor})

    return handler


def speaker_list_handler(store: Store) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A minimal ``GET /speakers`` (one item per speaker name, most claims first; ``q``
    matches like /claims?speaker=), written so the explorer could be tested while the
    complete version is built on the API branch: on merge, take that one."""

    def query(words: list[str], after: list[Any] | None, limit: int) -> list[dict[str, Any]]:
        where, params = ["c.speaker_name IS NOT NULL"], []
        for word in words:
            where.append("c.speaker_norm LIKE ?")
            params.append(f"% {word} %")
        having, extra = "", []
        if after:
            having = "HAVING COUNT(*) < ? OR (COUNT(*) = ? AND c.speaker_name > ?)"
            extra = [after[0], after[0], after[1]]
        with store._cursor() as cur:  # noqa: SLF001 - stand-in until the API branch merges
            cur.execute(store._sql(  # noqa: SLF001
                f"SELECT c.speaker_name, MAX(c.speaker_resolved), COUNT(*), "
                f"COUNT(DISTINCT a.domain), MAX(c.seen_at) FROM claims c JOIN articles a "
                f"ON a.id = c.article_id WHERE {' AND '.join(where)} GROUP BY c.speaker_name "
                f"{having} ORDER BY COUNT(*) DESC, c.speaker_name LIMIT ?"),
                [*params, *extra, limit])
            names = ("speaker_name", "speaker", "claims", "sites", "latest")
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    async def handler(request: web.Request) -> web.Response:
        limit = _int(request, "limit", 50, 1, 500)
        after = _cursor(request, "speakers", [int, str])
        found = await asyncio.to_thread(query, _words(request, "q") or [], after, limit + 1)
        found, cursor = _page(found, limit, lambda s: [s["claims"], s["speaker_name"]],
                              "speakers")
        return _json({"items": found, "next_cursor": cursor})

    return handler


def api_routes(store: Store) -> list[web.RouteDef]:
    async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(fn, *args, **kwargs)

    recent_articles = article_list_handler(store)

    async def articles_by_url(request: web.Request) -> web.Response:
        if "url" not in request.query:
            return await recent_articles(request)
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
        if after is not None and after[0] != article_id:
            raise BadRequest("invalid cursor: it belongs to another article")
        if not await call(store.article_exists, article_id):
            return _error(404, f"no article with id {article_id!r}")
        claims = await call(store.article_claims, article_id,
                            after[1] if after else None, limit + 1)
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
                           after=tuple(after) if after else None, limit=limit + 1)
        found, cursor = _page(found, limit,
                              lambda c: [c["seen_at"], c["article_id"], c["index"]], "claims")
        return _json({"claims": found, "next_cursor": cursor})

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

    async def openapi(_: web.Request) -> web.Response:
        return _json(OPENAPI)

    return [
        web.get("/articles", articles_by_url),
        web.get("/articles/{id}", article_by_id),
        web.get("/articles/{id}/claims", article_claims),
        web.get("/search", search),
        web.get("/claims", claims),
        web.get("/speakers", speaker_list_handler(store)),
        web.get("/stories", stories),
        web.get("/stories/{id}", story),
        web.get("/stats", stats),
        web.get("/failures", failures),
        web.get("/openapi.json", openapi),
    ]


_NULLABLE_STR = {"type": ["string", "null"]}
_CORROBORATION = {"type": "object", "properties": {
    "article_id": {"type": "string"}, "url": {"type": "string"},
    "claim_index": {"type": "integer"}, "site": _NULLABLE_STR,
    "similarity": {"type": "number"}}}
_CLAIM_SCHEMA = {
    "type": "object",
    "properties": {
        "article_id": {"type": "string"}, "index": {"type": "integer"},
        "kind": {"enum": ["quote", "statement"]}, "text": {"type": "string"},
        "start": {"type": "integer"}, "end": {"type": "integer"}, "direct": {"type": "boolean"},
        "speaker": {"description": "resolved speaker phrase (short mentions such as 'Berg' "
                                   "resolved to the fullest form in the article)",
                    "type": ["string", "null"]},
        "speaker_name": {"description": "the person's name without the role",
                         "type": ["string", "null"]},
        "speaker_mention": {"description": "the speaker as the claims stage attributed it",
                            "type": ["string", "null"]},
        "cue": _NULLABLE_STR, "checkworthiness": {"type": "number"}, "type": _NULLABLE_STR,
        "seen_at": {"type": "string"}, "article_url": {"type": "string"},
        "article_title": _NULLABLE_STR, "site": _NULLABLE_STR,
        "corroborated_by": {"description": "the same or nearly the same statement by the same "
                                           "speaker in articles from other sites",
                            "type": "array", "items": _CORROBORATION},
    },
}
_ARTICLE_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"enum": ["ok"]}, "id": {"type": "string"}, "url": {"type": "string"},
        "canonical_url": {"type": "string"}, "title": _NULLABLE_STR,
        "text": {"type": "string"}, "author": _NULLABLE_STR, "published": _NULLABLE_STR,
        "language": _NULLABLE_STR, "site": _NULLABLE_STR, "fetched_at": {"type": "string"},
        "version": {"type": "integer"}, "domain": _NULLABLE_STR,
        "duplicate_of": {"description": "id of the article this one is a near-duplicate "
                                        "(syndicated copy) of", "type": ["string", "null"]},
        "duplicates": {"type": "array", "items": {"type": "object"}},
        "story_id": _NULLABLE_STR,
        "claims": {"type": "array", "items": _CLAIM_SCHEMA},
    },
}
_FAILED_SCHEMA = {
    "type": "object",
    "properties": {"status": {"enum": ["failed"]}, "stage": {"type": "string"},
                   "reason": {"type": "string"}, "detail": {"type": "string"}},
}
_ERROR = {"description": "refused, with a message", "content": {"application/json": {
    "schema": {"type": "object", "properties": {"error": {"type": "string"}}}}}}
_UNAVAILABLE = {**_ERROR, "description": "the database is unreachable right now"}
_NEXT = {"description": "opaque cursor for the next page (keyset pagination); null on the "
                        "last page", "type": ["string", "null"]}


def _param(name: str, where: str, schema: dict[str, Any], description: str,
           required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "schema": schema,
            "description": description}


_LIMIT = _param("limit", "query", {"type": "integer", "minimum": 1}, "page size")
_CURSOR = _param("cursor", "query", {"type": "string"},
                 "next_cursor of the previous page; an invalid cursor is a 400")


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _list(name: str, items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {name: {"type": "array", "items": items},
                                            "next_cursor": _NEXT}}


_STORY_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "string"}, "title": _NULLABLE_STR, "article_count": {"type": "integer"},
    "site_count": {"type": "integer"}, "updated_at": {"type": "string"}}}
_SEARCH_HIT = {"type": "object", "properties": {
    "id": {"type": "string"}, "url": {"type": "string"}, "title": _NULLABLE_STR,
    "site": _NULLABLE_STR, "published": _NULLABLE_STR, "excerpt": {"type": "string"},
    "duplicate_of": _NULLABLE_STR, "story_id": _NULLABLE_STR, "rank": {"type": "number"}}}
_ID_PARAM = _param("id", "path", {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,128}$"}, "id",
                   True)

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "newswire store API", "version": "2",
             "description": "Every list uses keyset pagination: pass next_cursor back as "
                            "cursor. Errors are JSON {\"error\": message}: 400 for bad input, "
                            "404 for unknown ids, 503 while the database is unreachable."},
    "paths": {
        "/articles": {"get": {
            "summary": "The article stored for a URL (any spelling that canonicalises to it); "
                       "without url, articles newest first (items, next_cursor), filtered by "
                       "site, language, since, has_claims, story_id",
            "parameters": [_param("url", "query", {"type": "string"}, "the URL"),
                           _LIMIT, _CURSOR],
            "responses": {
                "200": _ok("stored (status ok) or failed (status failed)",
                           {"oneOf": [_ARTICLE_SCHEMA, _FAILED_SCHEMA]}),
                "400": _ERROR, "404": {"description": "still in flight or never submitted"},
                "503": _UNAVAILABLE}}},
        "/speakers": {"get": {
            "summary": "Speakers by name, most claims first, with how many outlets carry them",
            "parameters": [_param("q", "query", {"type": "string"},
                                  "every word must be a word of the speaker"), _LIMIT, _CURSOR],
            "responses": {"200": _ok("speakers", _list("items", {"type": "object"})),
                          "400": _ERROR, "503": _UNAVAILABLE}}},
        "/articles/{id}": {"get": {
            "summary": "An article by id, with its claims",
            "parameters": [_ID_PARAM],
            "responses": {"200": _ok("the article", _ARTICLE_SCHEMA), "400": _ERROR,
                          "404": _ERROR, "503": _UNAVAILABLE}}},
        "/articles/{id}/claims": {"get": {
            "summary": "An article's claims in text order, each with corroborated_by",
            "parameters": [_ID_PARAM, _LIMIT, _CURSOR],
            "responses": {"200": _ok("claims", _list("claims", _CLAIM_SCHEMA)),
                          "400": _ERROR, "404": _ERROR, "503": _UNAVAILABLE}}},
        "/search": {"get": {
            "summary": "Ranked full-text search over articles (every word must match, "
                       "stemmed; title weighs more than body); each article once",
            "parameters": [
                _param("q", "query", {"type": "string", "maxLength": MAX_QUERY_CHARS},
                       f"words to find (at most {MAX_QUERY_WORDS}); punctuation and operators "
                       "are ignored", True), _LIMIT, _CURSOR],
            "responses": {"200": _ok("hits, best first", _list("results", _SEARCH_HIT)),
                          "400": _ERROR, "503": _UNAVAILABLE}}},
        "/claims": {"get": {
            "summary": "Claims, newest first, with resolved speakers and corroborated_by",
            "parameters": [
                _param("speaker", "query", {"type": "string"},
                       "every word must be a word of the resolved speaker: 'Trump' finds "
                       "'Donald Trump', case and accents do not matter"),
                _param("q", "query", {"type": "string"}, "every word must be in the claim"),
                _param("since", "query", {"type": "string", "format": "date-time"},
                       "only claims from articles fetched at or after this ISO 8601 time"),
                _param("kind", "query", {"enum": ["quote", "statement"]}, "claim kind"),
                _LIMIT, _CURSOR],
            "responses": {"200": _ok("claims", _list("claims", _CLAIM_SCHEMA)),
                          "400": _ERROR, "503": _UNAVAILABLE}}},
        "/stories": {"get": {
            "summary": "Groups of articles on the same story across outlets, most recently "
                       "updated first",
            "parameters": [_param("min_sites", "query", {"type": "integer", "default": 2},
                                  "only stories covered by at least this many sites"),
                           _LIMIT, _CURSOR],
            "responses": {"200": _ok("stories", _list("stories", _STORY_SCHEMA)),
                          "400": _ERROR, "503": _UNAVAILABLE}}},
        "/stories/{id}": {"get": {
            "summary": "A story: its articles and the claims corroborated between them",
            "parameters": [_ID_PARAM],
            "responses": {"200": _ok("the story", {**_STORY_SCHEMA, "properties": {
                **_STORY_SCHEMA["properties"],
                "articles": {"type": "array", "items": {"type": "object"}},
                "corroborated_claims": {"type": "array", "items": _CLAIM_SCHEMA}}}),
                "400": _ERROR, "404": _ERROR, "503": _UNAVAILABLE}}},
        "/stats": {"get": {"summary": "Counts of stored articles, failures and claims",
                           "responses": {"200": {"description": "counts"}}}},
        "/failures": {"get": {"summary": "Most recent failures",
                              "parameters": [_LIMIT],
                              "responses": {"200": {"description": "failures"},
                                            "400": _ERROR}}},
        "/metrics": {"get": {"summary": "Prometheus metrics",
                             "responses": {"200": {"description": "text exposition"}}}},
        "/livez": {"get": {"summary": "Liveness", "responses": {"200": {"description": "alive"}}}},
        "/readyz": {"get": {"summary": "200 when the broker is reachable and every stage consumes",
                            "responses": {"200": {"description": "ready"},
                                          "503": {"description": "not ready"}}}},
    },
}
