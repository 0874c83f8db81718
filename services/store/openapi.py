"""The store API's OpenAPI 3.1 document, generated: the operations are listed once below, and
every request and response body schema comes from the models in models.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from services.store import models as m

__all__ = ["OPENAPI", "OPERATIONS", "Operation", "Param", "render"]

ID_PATTERN = "^[A-Za-z0-9_-]{1,128}$"


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False
    where: str = "query"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    # status -> (description, body model or a media type for a body that is not JSON)
    responses: dict[int, tuple[str, type[BaseModel] | tuple[type[BaseModel], ...] | str | None]]
    params: tuple[Param, ...] = ()
    body: type[BaseModel] | None = None


def _limit(default: int, high: int) -> Param:
    return Param("limit", f"page size, 1 to {high}",
                 {"type": "integer", "minimum": 1, "maximum": high, "default": default})


_CURSOR = Param("cursor", "next_cursor of the previous page; an invalid cursor is a 400")
_MIN_CONFIDENCE = Param("min_confidence", "only claims at least this confident (the precision "
                        "knob); claims without a confidence are left out when it is given",
                        {"type": "number", "minimum": 0, "maximum": 1})
_ID = Param("id", "id", {"type": "string", "pattern": ID_PATTERN}, True, "path")
_SINCE = "an ISO 8601 date or date-time, e.g. 2026-05-01 or 2026-05-01T12:00:00Z"
_SPEAKER_WORDS = ("every word must be a word of the resolved speaker: 'Trump' finds "
                  "'Donald Trump', case and accents do not matter")
_BAD = (400, ("refused, with a message", m.Error))
_DOWN = (503, ("the database is unreachable right now", m.Error))
_MISSING = (404, ("no such id", m.Error))

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "get", "/articles",
        "Without url: article summaries, newest fetch first, with filters. With url: the "
        "article stored for that URL (any spelling that canonicalises to it)",
        {200: ("without url: a page of summaries; with url: the stored article (status ok) "
               "or its failure (status failed)", (m.ArticleList, m.Article, m.FailedArticle)),
         404: ("with url: still in flight or never submitted", m.PendingArticle),
         **dict([_BAD, _DOWN])},
        (Param("url", "a URL: answer with its article instead of a list"),
         Param("site", "registrable domain, e.g. example.com"),
         Param("language", "language code, e.g. en"),
         Param("since", f"fetched or published at or after this moment: {_SINCE}",
               {"type": "string", "format": "date-time"}),
         Param("has_claims", "true: only articles with claims; false: only those without",
               {"type": "boolean"}),
         Param("story_id", "only the articles of this story",
               {"type": "string", "pattern": ID_PATTERN}),
         _limit(20, 100), _CURSOR)),
    Operation("get", "/articles/{id}", "An article by id, with its claims",
              {200: ("the article", m.Article), **dict([_BAD, _MISSING, _DOWN])}, (_ID,)),
    Operation("get", "/articles/{id}/claims",
              "An article's claims in text order, each with corroborated_by",
              {200: ("claims", m.ArticleClaims), **dict([_BAD, _MISSING, _DOWN])},
              (_ID, _MIN_CONFIDENCE, _limit(100, 1000), _CURSOR)),
    Operation(
        "get", "/search",
        "Ranked full-text search over articles (every word must match, stemmed; title weighs "
        "more than body); each article once",
        {200: ("hits, best first", m.SearchResults), **dict([_BAD, _DOWN])},
        (Param("q", f"words to find (at most {m.MAX_QUERY_WORDS}); punctuation and operators "
                    "are ignored", {"type": "string", "maxLength": m.MAX_QUERY_CHARS}, True),
         _limit(20, 100), _CURSOR)),
    Operation(
        "get", "/claims", "Claims, newest first, with resolved speakers and corroborated_by",
        {200: ("claims", m.ClaimList), **dict([_BAD, _DOWN])},
        (Param("speaker", _SPEAKER_WORDS),
         Param("q", "every word must be in the claim"),
         Param("since", f"only claims from articles fetched at or after this moment: {_SINCE}",
               {"type": "string", "format": "date-time"}),
         Param("kind", "claim kind", {"enum": ["quote", "statement"]}),
         _MIN_CONFIDENCE, _limit(50, 500), _CURSOR)),
    Operation(
        "get", "/speakers",
        "Speakers by name with their claim counts, most claims first, then by name",
        {200: ("speakers", m.SpeakerList), **dict([_BAD, _DOWN])},
        (Param("q", _SPEAKER_WORDS + " (the matching of /claims?speaker=)"),
         _limit(20, 100), _CURSOR)),
    Operation(
        "get", "/stories",
        "Groups of articles on the same story across outlets, most recently updated first",
        {200: ("stories", m.StoryList), **dict([_BAD, _DOWN])},
        (Param("min_sites", "only stories covered by at least this many sites",
               {"type": "integer", "minimum": 1, "default": 2}), _limit(20, 100), _CURSOR)),
    Operation("get", "/stories/{id}", "A story: its articles and the claims corroborated "
                                      "between them",
              {200: ("the story", m.StoryDetail), **dict([_BAD, _MISSING, _DOWN])}, (_ID,)),
    Operation("get", "/stats", "Counts of stored articles, failures and claims",
              {200: ("counts", m.Stats), **dict([_DOWN])}),
    Operation("get", "/failures", "Most recent failures",
              {200: ("failures", m.FailureList), **dict([_BAD, _DOWN])}, (_limit(100, 1000),)),
    Operation(
        "post", "/urls",
        f"Submit URLs to the pipeline, like `newswire submit` (at most {m.MAX_SUBMIT_URLS} a "
        "call); each URL is accepted (published once, fetched unless already stored or "
        "refresh is true) or rejected with a reason",
        {202: ("published to the pipeline", m.Submitted),
         400: ("a malformed body, with a message", m.Error),
         413: ("a body over 1 MiB", None),
         503: ("the broker is unreachable right now", m.Error)},
        body=m.SubmitRequest),
    Operation("get", "/openapi.json", "This document",
              {200: ("OpenAPI 3.1", "application/json")}),
    Operation("get", "/docs", "A page that lists these operations and tries them out",
              {200: ("HTML", "text/html")}),
    Operation("get", "/metrics", "Prometheus metrics",
              {200: ("text exposition", "text/plain")}),
    Operation("get", "/livez", "Liveness", {200: ("alive", m.Live)}),
    Operation("get", "/readyz", "200 when the broker is reachable and every stage consumes",
              {200: ("ready", m.Ready), 503: ("not ready", m.Ready)}),
)


def _content(body: type[BaseModel] | tuple[type[BaseModel], ...] | str
             ) -> dict[str, Any]:
    if isinstance(body, str):
        return {body: {}}
    models = body if isinstance(body, tuple) else (body,)
    refs = [{"$ref": f"#/components/schemas/{model.__name__}"} for model in models]
    return {"application/json": {"schema": refs[0] if len(refs) == 1 else {"oneOf": refs}}}


def _operation(op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": op.summary, "operationId": _operation_id(op)}
    if op.params:
        out["parameters"] = [{"name": p.name, "in": p.where, "required": p.required,
                              "description": p.description, "schema": p.schema}
                             for p in op.params]
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": _content(op.body)}
    out["responses"] = {
        str(status): {"description": text, **({"content": _content(body)} if body else {})}
        for status, (text, body) in op.responses.items()}
    return out


def _operation_id(op: Operation) -> str:
    words = [w.strip("{}").replace(".", "_") for w in op.path.split("/") if w]
    return op.method + "_" + "_".join(words)


def _models(operations: tuple[Operation, ...]) -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for op in operations:
        bodies = [body for _, body in op.responses.values()] + [op.body]
        for body in bodies:
            for model in (body if isinstance(body, tuple) else (body,)):
                if isinstance(model, type) and issubclass(model, BaseModel):
                    found[model.__name__] = model
    return list(found.values())


def render(operations: tuple[Operation, ...] = OPERATIONS) -> dict[str, Any]:
    """The OpenAPI document for ``operations``, with component schemas from their models."""
    models = _models(operations)
    _, schemas = models_json_schema(
        [(model, "validation") for model in models],
        ref_template="#/components/schemas/{model}")
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "newswire store API", "version": "3",
                 "description": "Every list uses keyset pagination: pass next_cursor back as "
                                "cursor. Errors are JSON {\"error\": message}: 400 for bad "
                                "input, 404 for unknown ids, 503 while the database (or, for "
                                "POST /urls, the broker) is unreachable."},
        "paths": paths,
        "components": {"schemas": schemas.get("$defs", {})},
    }


OPENAPI: dict[str, Any] = render()
