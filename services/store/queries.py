"""The reads the store API serves: an article, its claims, claim search, full-text search,
stories, failures and counts. Each opens its own cursor; SQL is portable (``?`` placeholders,
rewritten per dialect by ``Database.sql``) except full-text search, which differs by dialect."""

from __future__ import annotations

from typing import Any

import orjson

from services.store.columns import ARTICLE_COLUMNS, CLAIM_COLUMNS
from services.store.connection import Database
from services.store.speakers import speaker_source
from services.store.text import tokens

__all__ = ["article", "article_claims", "article_exists", "article_id_for_url", "claims_where",
           "content_hashes", "failure_for_url", "failures", "find_claims", "rows", "search",
           "stats", "stories", "story"]

CLAIM_COLUMNS_C = ", ".join(f"c.{c.strip()}" for c in CLAIM_COLUMNS.split(","))



def article(db: Database, article_id: str) -> dict[str, Any] | None:
    with db.cursor() as cur:
        cur.execute(db.sql(
            f"SELECT {ARTICLE_COLUMNS}, duplicate_of, duplicate_similarity, story_id "
            f"FROM articles WHERE id = ?"), (article_id,))
        row = cur.fetchone()
        if row is None:
            return None
        names = [c.strip() for c in ARTICLE_COLUMNS.split(",")]
        art = dict(zip([*names, "duplicate_of", "duplicate_similarity", "story_id"], row,
                       strict=True))
        art["metadata"] = orjson.loads(art["metadata"])
        art["claims_partial"] = bool(art["claims_partial"])
        art["claims"] = claims_where(db, cur, "c.article_id = ?", [article_id], "c.idx", None)
        cur.execute(db.sql("SELECT id, url FROM articles WHERE duplicate_of = ? "
                              "ORDER BY stored_at, id LIMIT 100"), (article_id,))
        art["duplicates"] = [{"id": r[0], "url": r[1]} for r in cur.fetchall()]
        return art


def article_exists(db: Database, article_id: str) -> bool:
    with db.cursor() as cur:
        cur.execute(db.sql("SELECT 1 FROM articles WHERE id = ?"), (article_id,))
        return cur.fetchone() is not None


def claims_where(db: Database, cur: Any, where: str, params: list[Any], order: str,
                 limit: int | None, source: str = "claims c") -> list[dict[str, Any]]:
    """Claims (with their article and corroborating articles) matching a WHERE clause;
    ``source`` is what the claims ``c`` are read from (a join that drives the query)."""
    cur.execute(db.sql(
        f"SELECT c.article_id, c.idx, {CLAIM_COLUMNS_C}, c.speaker_resolved, "
        f"c.speaker_name, c.seen_at, a.url, a.title, a.domain FROM {source} "
        f"JOIN articles a ON a.id = c.article_id WHERE {where} ORDER BY {order}"
        + (" LIMIT ?" if limit is not None else "")),
        [*params, limit] if limit is not None else params)
    out = []
    for (aid, idx, kind, text, start, end, direct, mention, s_start, s_end, cue, score,
         ctype, confidence, resolved, name, seen_at, url, title, domain) in cur.fetchall():
        out.append({
            "article_id": aid, "index": idx, "kind": kind, "text": text, "start": start,
            "end": end, "direct": bool(direct), "speaker": resolved or mention,
            "speaker_name": name, "speaker_mention": mention, "speaker_start": s_start,
            "speaker_end": s_end, "cue": cue, "checkworthiness": score, "type": ctype,
            "confidence": confidence, "seen_at": seen_at, "article_url": url,
            "article_title": title, "site": domain,
            "corroborated_by": []})
    if out:
        by_key = {(c["article_id"], c["index"]): c for c in out}
        ids = sorted({c["article_id"] for c in out})
        cur.execute(db.sql(
            f"SELECT l.article_id, l.idx, l.other_article_id, l.other_idx, l.similarity, "
            f"l.match, a.url, a.domain FROM claim_links l JOIN articles a "
            f"ON a.id = l.other_article_id WHERE l.article_id IN "
            f"({', '.join('?' * len(ids))}) ORDER BY l.other_article_id, l.other_idx"), ids)
        for aid, idx, other, other_idx, sim, match, url, domain in cur.fetchall():
            claim = by_key.get((aid, idx))
            if claim is not None:
                claim["corroborated_by"].append({
                    "article_id": other, "url": url, "claim_index": other_idx,
                    "site": domain, "similarity": sim, "match": match or "quote"})
    return out


def article_claims(db: Database, article_id: str, after: int | None, limit: int,
                   min_confidence: float | None = None) -> list[dict[str, Any]]:
    """One article's claims in text order, ``limit`` of them after claim index ``after``;
    with ``min_confidence``, only claims at least that confident."""
    where, params = "c.article_id = ? AND c.idx > ?", [article_id,
                                                      -1 if after is None else after]
    if min_confidence is not None:
        where += " AND c.confidence >= ?"
        params.append(min_confidence)
    with db.cursor() as cur:
        return claims_where(db, cur, where, params, "c.idx", limit)


def find_claims(db: Database, *, speaker: str | None = None, q: str | None = None,
                since: str | None = None, kind: str | None = None,
                min_confidence: float | None = None,
                after: tuple[str, str, int] | None = None, limit: int = 50
                ) -> list[dict[str, Any]]:
    """Claims, newest first (by when their article was fetched). ``speaker`` matches
    every word of it against the resolved speaker's words ("trump" finds "Donald J.
    Trump"); ``q`` matches every word against the claim's words; ``since`` is a
    ``seen_at`` timestamp; ``after`` is the (seen_at, article_id, index) keyset."""
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    source, at = "claims c", "c"  # with a speaker, its words' index drives the query
    if tokens(speaker or "", 16):
        source, where, params = speaker_source(tokens(speaker or "", 16))
        at = "w"
    for word in tokens(q or "", 16):
        where.append("c.text_norm LIKE ?")
        params.append(f"% {word} %")
    if since is not None:
        where.append("c.seen_at >= ?")
        params.append(since)
    if kind is not None:
        where.append("c.kind = ?")
        params.append(kind)
    if min_confidence is not None:
        where.append("c.confidence >= ?")
        params.append(min_confidence)
    if after is not None:
        where.append(f"({at}.seen_at < ? OR ({at}.seen_at = ? AND ({at}.article_id > ? OR "
                     f"({at}.article_id = ? AND {at}.idx > ?))))")
        params += [after[0], after[0], after[1], after[1], after[2]]
    with db.cursor() as cur:
        return claims_where(db, cur, " AND ".join(where), params,
                            f"{at}.seen_at DESC, {at}.article_id, {at}.idx", limit, source)


def search(db: Database, query_words: list[str], after: tuple[float, str] | None,
           limit: int) -> list[dict[str, Any]]:
    """Ranked full-text search (every word must match, stemmed), one row per article:
    PostgreSQL ``ts_rank_cd`` over the weighted ``tsv`` (title A, body B); SQLite FTS5
    ``bm25`` with the title weighted 10:1. Keyset: (rank, id) after ``after``."""
    if not query_words:
        return []
    with db.cursor() as cur:
        if db.dialect == "postgresql":
            rank = "ts_rank_cd(a.tsv, query)::float8"  # exact round trip in cursors
            sql = (f"SELECT a.id, {rank} AS rank FROM articles a, "
                   f"plainto_tsquery('english', %s) query WHERE a.tsv @@ query")
            params: list[Any] = [" ".join(query_words)]
            if after is not None:
                sql += f" AND ({rank} < %s OR ({rank} = %s AND a.id > %s))"
                params += [after[0], after[0], after[1]]
            sql += " ORDER BY rank DESC, a.id LIMIT %s"
        else:
            sql = ("SELECT article_id, rank FROM (SELECT article_id, "
                   "-bm25(articles_fts, 0.0, 10.0, 1.0) AS rank FROM articles_fts "
                   "WHERE articles_fts MATCH ?)")
            params = [" ".join(f'"{w}"' for w in query_words)]
            if after is not None:
                sql += " WHERE rank < ? OR (rank = ? AND article_id > ?)"
                params += [after[0], after[0], after[1]]
            sql += " ORDER BY rank DESC, article_id LIMIT ?"
        cur.execute(sql, [*params, limit])
        hits = [(r[0], float(r[1])) for r in cur.fetchall()]
        if not hits:
            return []
        cur.execute(db.sql(
            f"SELECT id, url, title, author, published, domain, fetched_at, duplicate_of, "
            f"story_id, substr(text, 1, 300) FROM articles WHERE id IN "
            f"({', '.join('?' * len(hits))})"), [h[0] for h in hits])
        rows = {r[0]: r for r in cur.fetchall()}
    out = []
    for aid, score in hits:
        r = rows.get(aid)
        if r is None:
            continue
        out.append({"id": aid, "url": r[1], "title": r[2], "author": r[3],
                    "published": r[4], "site": r[5], "fetched_at": r[6],
                    "duplicate_of": r[7], "story_id": r[8], "excerpt": r[9],
                    "rank": score})
    return out


def stories(db: Database, min_sites: int, after: tuple[str, str] | None, limit: int
            ) -> list[dict[str, Any]]:
    """Stories with at least ``min_sites`` outlets, most recently updated first."""
    where: list[str] = ["site_count >= ?"]
    params: list[Any] = [min_sites]
    if after is not None:
        where.append("(updated_at < ? OR (updated_at = ? AND id > ?))")
        params += [after[0], after[0], after[1]]
    with db.cursor() as cur:
        cur.execute(db.sql(
            f"SELECT id, title, article_count, site_count, updated_at FROM stories "
            f"WHERE {' AND '.join(where)} ORDER BY updated_at DESC, id LIMIT ?"),
            [*params, limit])
        return [dict(zip(("id", "title", "article_count", "site_count", "updated_at"), r,
                         strict=True)) for r in cur.fetchall()]


def story(db: Database, story_id: str) -> dict[str, Any] | None:
    """A story with its articles and the claims that are corroborated across them."""
    with db.cursor() as cur:
        cur.execute(db.sql("SELECT id, title, article_count, site_count, updated_at "
                              "FROM stories WHERE id = ?"), (story_id,))
        row = cur.fetchone()
        if row is None:
            return None
        story = dict(zip(("id", "title", "article_count", "site_count", "updated_at"), row,
                         strict=True))
        cur.execute(db.sql(
            "SELECT id, url, title, domain, published, fetched_at, duplicate_of "
            "FROM articles WHERE story_id = ? ORDER BY stored_at, id LIMIT 500"),
            (story_id,))
        story["articles"] = [dict(zip(("id", "url", "title", "site", "published",
                                       "fetched_at", "duplicate_of"), r, strict=True))
                             for r in cur.fetchall()]
        claims = claims_where(
            db, cur, "a.story_id = ? AND EXISTS (SELECT 1 FROM claim_links l WHERE "
            "l.article_id = c.article_id AND l.idx = c.idx)", [story_id],
            "c.article_id, c.idx", 500)
        story["corroborated_claims"] = claims
        return story


def article_id_for_url(db: Database, canonical_url: str) -> str | None:
    with db.cursor() as cur:
        cur.execute(db.sql("SELECT article_id FROM article_urls WHERE url = ?"),
                    (canonical_url,))
        row = cur.fetchone()
        return row[0] if row else None


def failure_for_url(db: Database, canonical_url: str) -> dict[str, Any] | None:
    with db.cursor() as cur:
        cur.execute(db.sql(
            "SELECT stage, reason, detail, failed_at FROM failures WHERE url = ? "
            "ORDER BY failed_at DESC"), (canonical_url,))
        row = cur.fetchone()
        if row is None:
            return None
        return {"stage": row[0], "reason": row[1], "detail": row[2], "failed_at": row[3]}


def failures(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    with db.cursor() as cur:
        cur.execute(db.sql(
            "SELECT key, url, stage, reason, detail, failed_at FROM failures "
            "ORDER BY failed_at DESC LIMIT ?"), (limit,))
        return [dict(zip(("key", "url", "stage", "reason", "detail", "failed_at"), r,
                         strict=True)) for r in cur.fetchall()]


def stats(db: Database) -> dict[str, int]:
    with db.cursor() as cur:
        out = {}
        for name, table in (("articles", "articles"), ("failures", "failures"),
                            ("claims", "claims")):
            cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed names
            out[name] = int(cur.fetchone()[0])
        return out


def rows(db: Database, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run one read (``?`` placeholders) and return its rows: for query modules such as
    listing.py that build their SQL beside the API they serve."""
    with db.cursor() as cur:
        cur.execute(db.sql(sql), params)
        return [tuple(r) for r in cur.fetchall()]


def content_hashes(db: Database) -> dict[str, str]:
    with db.cursor() as cur:
        cur.execute("SELECT id, content_hash FROM articles")
        return {r[0]: r[1] for r in cur.fetchall()}
