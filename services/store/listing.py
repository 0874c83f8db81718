"""Browsing queries for the API: articles newest first with filters, speakers by claim count.

Both are keyset-paginated like the store's other lists: the caller passes the last row's key
(``after``) and asks for one row more than a page to know whether another page follows.
SQL is portable (``?`` placeholders, run through ``Store.rows``) for SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.store.db import Store
from services.store.speakers import speaker_source
from services.store.text import tokens

__all__ = ["ArticleFilter", "article_conditions", "list_articles", "list_speakers",
           "since_bounds"]

_SUMMARY = ("id", "url", "canonical_url", "title", "site", "language", "published",
            "fetched_at", "claims_count", "story_id", "duplicate_of")


@dataclass(frozen=True)
class ArticleFilter:
    site: str | None = None
    language: str | None = None
    since: datetime | None = None
    has_claims: bool | None = None
    story_id: str | None = None


def since_bounds(since: datetime) -> tuple[str, str]:
    """What ``fetched_at`` and ``published`` are compared with, as text in their stored shapes:
    ``fetched_at`` is an ISO date-time in UTC (``...T12:00:00+00:00``, microseconds when there
    are any), so text order is time order; ``published`` is what the page said, usually a bare
    date, so a since at midnight compares as the date itself (that day counts)."""
    moment = (since if since.tzinfo else since.replace(tzinfo=UTC)).astimezone(UTC)
    fetched = moment.isoformat()
    published = moment.date().isoformat() if moment.time() == datetime.min.time() else fetched
    return fetched, published


def article_conditions(where: ArticleFilter) -> tuple[list[str], list[Any]]:
    """SQL conditions on ``articles a`` (and their parameters) for a filter; ``since`` keeps
    an article when it was fetched or published at or after that moment."""
    clauses: list[str] = ["1 = 1"]
    params: list[Any] = []
    if where.site is not None:
        clauses.append("a.domain = ?")
        params.append(where.site.lower())
    if where.language is not None:
        clauses.append("a.language = ?")
        params.append(where.language)
    if where.story_id is not None:
        clauses.append("a.story_id = ?")
        params.append(where.story_id)
    if where.since is not None:
        clauses.append("(a.fetched_at >= ? OR a.published >= ?)")
        params += list(since_bounds(where.since))
    if where.has_claims is not None:
        clauses.append(("" if where.has_claims else "NOT ")
                       + "EXISTS (SELECT 1 FROM claims c WHERE c.article_id = a.id)")
    return clauses, params


def list_articles(store: Store, where: ArticleFilter, after: tuple[str, str] | None,
                  limit: int) -> list[dict[str, Any]]:
    """Article summaries, newest fetch first (``fetched_at`` desc, then id)."""
    clauses, params = article_conditions(where)
    if after is not None:
        clauses.append("(a.fetched_at < ? OR (a.fetched_at = ? AND a.id > ?))")
        params += [after[0], after[0], after[1]]
    rows = store.rows(
        "SELECT a.id, a.url, a.canonical_url, a.title, a.domain, a.language, a.published, "
        "a.fetched_at, (SELECT COUNT(*) FROM claims c WHERE c.article_id = a.id), "
        f"a.story_id, a.duplicate_of FROM articles a WHERE {' AND '.join(clauses)} "
        "ORDER BY a.fetched_at DESC, a.id LIMIT ?", [*params, limit])
    return [{**dict(zip(_SUMMARY, r, strict=True)), "claims_count": int(r[8])} for r in rows]


def list_speakers(store: Store, q: str | None, after: tuple[int, str] | None, limit: int
                  ) -> list[dict[str, Any]]:
    """People (and bodies) quoted, by the name without the role, most claims first, then by
    name. ``q`` keeps the claims whose resolved speaker has every word of it, the matching of
    ``/claims?speaker=``, so a speaker's ``claims`` is what that search would list."""
    source, clauses, params = "claims c", list[str](), list[Any]()
    if tokens(q or "", 16):  # the speaker words' index, as for /claims?speaker=
        source, clauses, params = speaker_source(tokens(q or "", 16))
    clauses.append("c.speaker_name IS NOT NULL")
    having: list[Any] = []
    sql_having = ""
    if after is not None:
        sql_having = " HAVING COUNT(*) < ? OR (COUNT(*) = ? AND c.speaker_name > ?)"
        having = [after[0], after[0], after[1]]
    rows = store.rows(
        "SELECT c.speaker_name, MAX(c.speaker_resolved), COUNT(*), COUNT(DISTINCT a.domain), "
        f"MAX(c.seen_at) FROM {source} JOIN articles a ON a.id = c.article_id "
        f"WHERE {' AND '.join(clauses)} GROUP BY c.speaker_name{sql_having} "
        "ORDER BY COUNT(*) DESC, c.speaker_name LIMIT ?", [*params, *having, limit])
    return [{"speaker": speaker or name, "speaker_name": name, "claims": int(n),
             "sites": int(sites), "latest": latest}
            for name, speaker, n, sites, latest in rows]
