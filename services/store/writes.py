"""The store's writes: an article with its claims (idempotent, newest fetch wins), the URLs
that lead to it, a pipeline failure, and re-deriving every stored article after a migration.
Each article write re-derives what depends on its content (``links.derive``) in the same
transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from newswire.errors import InvalidUrl
from newswire.events import ArticleEnriched, Failure
from newswire.urls import canonicalize, control_character, domain_key
from services.store.columns import ARTICLE_COLUMNS, CLAIM_COLUMN_TYPES, now
from services.store.connection import Database
from services.store.links import derive
from services.store.relink import LinkLog, begin_link_log, end_link_log, relink_concurrent
from services.store.speakers import clear_speaker_words, write_speaker_words
from services.store.text import (
    content_words,
    padded,
    quote_shingles,
    quoted_shingles,
    resolve_speakers,
    speaker_key,
    speaker_name,
    tokens,
    utc_timestamp,
)

__all__ = ["record_failure", "reindex_all", "upsert_article", "upsert_articles"]

# every column a claim row is written with, and its type (for PostgreSQL's unnest)
_CLAIM_TYPED = (f"article_id TEXT, idx INTEGER, {CLAIM_COLUMN_TYPES}, speaker_resolved TEXT, "
                "speaker_name TEXT, speaker_norm TEXT, speaker_key TEXT, text_norm TEXT, "
                "n_shingles INTEGER, n_words INTEGER, n_quoted INTEGER, seen_at TEXT")

# the article upsert: built once, not per article
_ARTICLE_NAMES = [*(c.strip() for c in ARTICLE_COLUMNS.split(",")), "fetched_utc"]
_UPSERT_ARTICLE = (
    f"INSERT INTO articles ({', '.join(_ARTICLE_NAMES)}) "
    f"VALUES ({', '.join('?' * len(_ARTICLE_NAMES))}) ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _ARTICLE_NAMES[1:])
    + " WHERE articles.fetched_utc IS NULL OR articles.fetched_utc <= excluded.fetched_utc")



def _confidence(value: Any) -> float | None:
    """A claim's confidence as stored: a number in [0, 1], or NULL when the event has none."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return min(1.0, max(0.0, float(value))) if value == value else None



def _without_nul(value: Any) -> Any:
    """``value`` with NUL replaced by U+FFFD in every string: PostgreSQL text cannot hold NUL,
    and both databases must store the same thing."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_without_nul(v) for v in value)
    return value



def _checked(article: ArticleEnriched) -> ArticleEnriched:
    """The article as stored: a URL with a control character is an InvalidUrl; NUL
    elsewhere becomes U+FFFD."""
    for url in (article.url, article.canonical_url):
        if control_character(url) is not None:
            raise InvalidUrl(f"URL contains a control character "
                             f"({control_character(url)})")
    return ArticleEnriched.model_validate(_without_nul(dict(article)))


def upsert_article(db: Database, article: ArticleEnriched) -> bool:
    """Store an article and its claims. Idempotent: replaying the same event changes
    nothing. Returns True when something new was written (new article or new version).
    The batch of one of ``upsert_articles``."""
    return upsert_articles(db, [article])[0]


def upsert_articles(db: Database, articles: list[ArticleEnriched]) -> list[bool]:
    """Store a batch of articles in one transaction (one commit, not one per article);
    for each, True when something new was written. Any error rolls the whole batch back
    (the caller then stores the batch one by one, so one poison record fails alone).

    A new version also re-derives everything computed from the content, in the same
    transaction: the search index, the claims' speakers and fingerprints, the near-duplicate
    check, corroboration links and the article's story (``links.derive``).

    A fetch older than the stored one (concurrent extract agents finish out of order)
    replaces nothing: the upsert's own WHERE keeps the newer content.

    No global lock: articles are written in id order (row locks always taken in the same
    order, so two batches sharing articles cannot deadlock on them), and on PostgreSQL the
    links that a concurrent writer may have hidden (its rows were not committed when this
    batch read) are derived again after the commit (``links.relink_concurrent``)."""
    checked = [_checked(a) for a in articles]
    order = sorted(range(len(checked)), key=lambda i: checked[i].article_id)

    def work(cur: Any) -> tuple[list[bool], LinkLog]:
        log = begin_link_log(db, cur)
        written: dict[int, bool] = {}
        for i in order:
            written[i] = _upsert(db, cur, checked[i], log)
        end_link_log(db, cur, log)
        return [written[i] for i in range(len(checked))], log

    written, log = db.transaction(work)
    relink_concurrent(db, log)
    return written


def _upsert(db: Database, cur: Any, article: ArticleEnriched, log: LinkLog) -> bool:
    cur.execute(db.sql("SELECT content_hash, version FROM articles WHERE id = ?"),
                (article.article_id,))
    row = cur.fetchone()
    if row is not None and row[0] == article.content_hash:
        _link_urls(db, cur, article)
        return False
    cur.execute(db.sql(
        "SELECT COUNT(*), COUNT(CASE WHEN content_hash = ? THEN 1 END) "
        "FROM article_versions WHERE article_id = ?"),
        (article.content_hash, article.article_id))
    known, seen = cur.fetchone()
    version = int(known) + (0 if seen else 1)
    values = (
        article.article_id, article.url, article.canonical_url, article.final_url,
        article.submitted_url, article.title, article.text, article.author,
        article.published, article.language, article.site,
        article.fetched_at.isoformat(), article.content_hash, version,
        orjson.dumps(article.metadata).decode(), int(article.claims_partial), now(),
        domain_key(article.canonical_url), utc_timestamp(article.fetched_at))
    cur.execute(db.sql(_UPSERT_ARTICLE), values)
    if cur.rowcount == 0:  # an older fetch: the stored content stays
        _link_urls(db, cur, article)
        return False
    cur.execute(db.sql(
        "INSERT INTO article_versions VALUES (?, ?, ?, ?) "
        "ON CONFLICT (article_id, content_hash) DO NOTHING"),
        (article.article_id, article.content_hash, (row[1] + 1) if row else 1,
         article.fetched_at.isoformat()))
    _write_claims(db, cur, article.article_id, article.claims,
                  utc_timestamp(article.fetched_at))
    log.keys[article.article_id] = derive(db, cur, article.article_id)
    _link_urls(db, cur, article)
    return True


def _write_claims(db: Database, cur: Any, article_id: str, claims: list[dict[str, Any]],
                  seen_at: str) -> None:
    cur.execute(db.sql("DELETE FROM claims WHERE article_id = ?"), (article_id,))
    clear_speaker_words(db, cur, article_id)
    resolved = resolve_speakers(claims)
    rows = []
    for i, (c, speaker) in enumerate(zip(claims, resolved, strict=True)):
        text = str(c.get("text") or "")
        key = speaker_key(speaker)
        n_shingles = len(quote_shingles(text)) if key else 0
        n_words = len(content_words(text)) if key else 0
        n_quoted = len(quoted_shingles(text, bool(c.get("direct")))) if key else 0
        rows.append((
            article_id, i, c.get("kind", "statement"), text, c.get("start", 0),
            c.get("end", 0), int(bool(c.get("direct"))), c.get("speaker"),
            c.get("speaker_start"), c.get("speaker_end"), c.get("cue"),
            float(c.get("checkworthiness", 0.0)), c.get("type"),
            _confidence(c.get("confidence")), speaker,
            speaker_name(speaker), padded(tokens(speaker)) if speaker else None, key,
            padded(tokens(text, 2000)), n_shingles, n_words, n_quoted, seen_at))
    db.insert_rows(cur, "claims", _CLAIM_TYPED, rows)
    write_speaker_words(db, cur, article_id, [(r[1], r[16], seen_at) for r in rows])



def reindex_all(db: Database, cur: Any) -> None:
    """Re-derive claims' columns and every derived table for all stored articles, oldest
    first (migration 2's backfill; also safe to run again)."""
    cur.execute("SELECT id, canonical_url, fetched_at FROM articles ORDER BY stored_at, id")
    for article_id, canonical_url, fetched_at in cur.fetchall():
        cur.execute(db.sql("UPDATE articles SET domain = ? WHERE id = ?"),
                    (domain_key(canonical_url), article_id))
        cur.execute(db.sql(
            "SELECT kind, text, start_offset, end_offset, direct, speaker, speaker_start, "
            "speaker_end, cue, checkworthiness, type, confidence FROM claims "
            "WHERE article_id = ? "
            "ORDER BY idx"), (article_id,))
        claims = [dict(zip(("kind", "text", "start", "end", "direct", "speaker",
                            "speaker_start", "speaker_end", "cue", "checkworthiness",
                            "type", "confidence"), r, strict=True))
                  for r in cur.fetchall()]
        _write_claims(db, cur, article_id, claims,
                           utc_timestamp(datetime.fromisoformat(fetched_at)))
        derive(db, cur, article_id)


def _link_urls(db: Database, cur: Any, article: ArticleEnriched) -> None:
    urls = {article.url, article.canonical_url}
    for extra in (article.final_url, article.submitted_url):
        try:
            urls.add(canonicalize(extra))
        except Exception:  # a URL we cannot parse is simply not linked
            continue
    db.insert_rows(cur, "article_urls", "url TEXT, article_id TEXT",
                   [(u, article.article_id) for u in sorted(urls)],
                   "ON CONFLICT (url) DO UPDATE SET article_id = excluded.article_id")


def record_failure(db: Database, failure: Failure) -> None:
    """Idempotent: one row per failed URL (or per broken record when no URL is known)."""
    key = failure.url or f"{failure.topic}:{failure.partition}:{failure.offset}"
    with db.cursor() as cur:
        cur.execute(db.sql(
            "INSERT INTO failures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET stage = excluded.stage, "
            "reason = excluded.reason, detail = excluded.detail, topic = excluded.topic, "
            "partition_no = excluded.partition_no, offset_no = excluded.offset_no, "
            "failed_at = excluded.failed_at"),
            _without_nul((key, failure.url, failure.submitted_url, failure.stage,
                          failure.reason, failure.detail, failure.topic, failure.partition,
                          failure.offset, failure.occurred_at.isoformat())))
