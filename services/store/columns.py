"""The stored rows' shared shape: the column lists that the writes and the reads both name,
and the time stamp every row carries when it is written."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["ARTICLE_COLUMNS", "CLAIM_COLUMNS", "now"]

ARTICLE_COLUMNS = ("id, url, canonical_url, final_url, submitted_url, title, text, author, "
                   "published, language, site, fetched_at, content_hash, version, metadata, "
                   "claims_partial, stored_at, domain")
CLAIM_COLUMNS = ("kind, text, start_offset, end_offset, direct, speaker, speaker_start, "
                 "speaker_end, cue, checkworthiness, type, confidence")


def now() -> str:
    return datetime.now(UTC).isoformat()
