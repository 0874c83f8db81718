"""Speaker words: one row per word of each claim's resolved speaker, with the claim's
``seen_at``, so ``/claims?speaker=`` and ``/speakers?q=`` are indexed lookups instead of a
``LIKE '% word %'`` scan of every claim.

``claim_speaker_words`` (word, seen_at, article_id, idx) is ordered like the claims list
(newest first), so a speaker query reads the index of its rarest-looking word in that order
and stops after a page; the other words are probed per claim on (article_id, idx, word).
The words are those of ``speaker_norm`` (``text.padded(tokens(speaker))``), written and
rewritten with it, so a match is exactly "every word of the query is a word of the speaker".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.store.connection import Database

__all__ = ["SPEAKER_WORDS_MIGRATION", "clear_speaker_words", "refresh_speaker_words",
           "speaker_source", "write_speaker_words"]

SPEAKER_WORDS_MIGRATION = 5


def _has_table(db: Database) -> bool:
    """False while a migration older than 5 re-derives articles: the table comes with
    migration 5, whose backfill writes every row."""
    return db.applying is None or db.applying >= SPEAKER_WORDS_MIGRATION


def clear_speaker_words(db: Database, cur: Any, article_id: str) -> None:
    """Remove an article's rows (its claims are about to be rewritten)."""
    if _has_table(db):
        cur.execute(db.sql("DELETE FROM claim_speaker_words WHERE article_id = ?"),
                    (article_id,))


def write_speaker_words(db: Database, cur: Any, article_id: str,
                        claims: Sequence[tuple[int, str | None, str]]) -> None:
    """Rows for claims (index, speaker_norm, seen_at) just inserted for an article."""
    if not _has_table(db):
        return
    rows = sorted({(word, seen_at, article_id, idx) for idx, norm, seen_at in claims
                   for word in (norm or "").split()})
    db.insert_rows(cur, "claim_speaker_words",
                   "word TEXT, seen_at TEXT, article_id TEXT, idx INTEGER", rows)


def refresh_speaker_words(db: Database, cur: Any, article_id: str) -> None:
    """Rewrite an article's rows after its claims' speakers changed in place."""
    if not _has_table(db):
        return
    clear_speaker_words(db, cur, article_id)
    cur.execute(db.sql("SELECT idx, speaker_norm, seen_at FROM claims WHERE article_id = ? "
                       "AND speaker_norm IS NOT NULL"), (article_id,))
    write_speaker_words(db, cur, article_id, cur.fetchall())


def speaker_source(words: list[str]) -> tuple[str, list[str], list[Any]]:
    """For claims whose speaker has every one of ``words`` (non-empty): a join on
    ``claim_speaker_words w`` that drives the query (the longest word, likely the rarest),
    the conditions for the other words, and their parameters (the join's first)."""
    lead = max(words, key=lambda w: (len(w), w))
    join = ("claim_speaker_words w JOIN claims c ON c.article_id = w.article_id "
            "AND c.idx = w.idx")
    where = ["w.word = ?"]
    params: list[Any] = [lead]
    for word in sorted(set(words) - {lead}):
        where.append("EXISTS (SELECT 1 FROM claim_speaker_words o WHERE o.article_id = "
                     "c.article_id AND o.idx = c.idx AND o.word = ?)")
        params.append(word)
    return join, where, params
