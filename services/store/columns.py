"""The stored rows' shared shape: the column lists that the writes and the reads both name,
and the time stamp every row carries when it is written."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["ARTICLE_COLUMNS", "CLAIM_COLUMNS", "CLAIM_COLUMN_TYPES", "now"]

ARTICLE_COLUMNS = ("id, url, canonical_url, final_url, submitted_url, title, text, author, "
                   "published, language, site, fetched_at, content_hash, version, metadata, "
                   "claims_partial, stored_at, domain")
# a claim's columns as the API returns them, with their types (PostgreSQL's unnest needs them)
CLAIM_COLUMN_TYPES = ("kind TEXT, text TEXT, start_offset INTEGER, end_offset INTEGER, "
                      "direct INTEGER, speaker TEXT, speaker_start INTEGER, "
                      "speaker_end INTEGER, cue TEXT, checkworthiness REAL, type TEXT, "
                      "confidence REAL")
CLAIM_COLUMNS = ", ".join(c.split()[0] for c in CLAIM_COLUMN_TYPES.split(","))


def now() -> str:
    return datetime.now(UTC).isoformat()
