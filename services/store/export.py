"""`newswire export`: the stored articles with their claims, as JSON Lines or Parquet.

One record per article, oldest fetch first, its claims nested in text order; the same fields
in both formats (``RECORD``), ``metadata`` as JSON text so that Parquet keeps a fixed schema.
``--since`` keeps what ``GET /articles?since=`` keeps: articles fetched or published at or
after that moment. Reads the database the settings name (SQLite or PostgreSQL) page by page,
so an export of any size runs in bounded memory.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from newswire.settings import Settings
from services.store.db import Store
from services.store.listing import ArticleFilter, article_conditions

__all__ = ["FORMATS", "RECORD", "export", "export_command", "records"]

FORMATS = ("jsonl", "parquet")
PAGE = 500
_ARTICLE = ("id", "url", "canonical_url", "final_url", "title", "text", "author",
            "published", "language", "site", "domain", "fetched_at", "version",
            "content_hash", "story_id", "duplicate_of", "metadata")
_CLAIM = ("index", "kind", "text", "start", "end", "direct", "speaker", "speaker_name",
          "speaker_mention", "cue", "checkworthiness", "type")
_STR, _INT = pa.string(), pa.int64()
CLAIM = pa.struct([
    ("index", _INT), ("kind", _STR), ("text", _STR), ("start", _INT), ("end", _INT),
    ("direct", pa.bool_()), ("speaker", _STR), ("speaker_name", _STR),
    ("speaker_mention", _STR), ("cue", _STR), ("checkworthiness", pa.float64()),
    ("type", _STR)])
RECORD = pa.schema([*((name, _INT if name == "version" else _STR) for name in _ARTICLE),
                    ("claims", pa.list_(CLAIM))])


def records(store: Store, since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """Every exported article (a dict shaped as RECORD), oldest fetch first."""
    after: tuple[str, str] | None = None
    while True:
        clauses, params = article_conditions(ArticleFilter(since=since))
        if after is not None:
            clauses.append("(a.fetched_at > ? OR (a.fetched_at = ? AND a.id > ?))")
            params += [after[0], after[0], after[1]]
        rows = store.rows(
            f"SELECT {', '.join('a.' + c for c in _ARTICLE)} FROM articles a "
            f"WHERE {' AND '.join(clauses)} ORDER BY a.fetched_at, a.id LIMIT ?",
            [*params, PAGE])
        if not rows:
            return
        claims = _claims(store, [r[0] for r in rows])
        for row in rows:
            yield {**dict(zip(_ARTICLE, row, strict=True)), "claims": claims.get(row[0], [])}
        after = (rows[-1][_ARTICLE.index("fetched_at")], rows[-1][0])


def _claims(store: Store, article_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in store.rows(
            "SELECT article_id, idx, kind, text, start_offset, end_offset, direct, "
            "COALESCE(speaker_resolved, speaker), speaker_name, speaker, cue, checkworthiness, "
            f"type FROM claims WHERE article_id IN ({', '.join('?' * len(article_ids))}) "
            "ORDER BY article_id, idx", article_ids):
        claim = dict(zip(_CLAIM, row[1:], strict=True))
        claim["direct"] = bool(claim["direct"])
        out.setdefault(row[0], []).append(claim)
    return out


def export(store: Store, fmt: str, out: IO[bytes], since: datetime | None = None) -> int:
    """Write every record to ``out`` in ``fmt``; returns how many articles were written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: one of {', '.join(FORMATS)}")
    count = 0
    if fmt == "jsonl":
        for record in records(store, since):
            out.write(orjson.dumps(record) + b"\n")
            count += 1
        return count
    with pq.ParquetWriter(out, RECORD, compression="zstd") as writer:
        batch: list[dict[str, Any]] = []
        for record in records(store, since):
            batch.append(record)
            if len(batch) == PAGE:
                writer.write_table(pa.Table.from_pylist(batch, schema=RECORD))
                count += len(batch)
                batch = []
        writer.write_table(pa.Table.from_pylist(batch, schema=RECORD))
        count += len(batch)
    return count


def export_command(settings: Settings, fmt: str, since: str | None, output: str | None) -> int:
    """The CLI: exit status 0, or 2 with a message for arguments it cannot use."""
    moment = None
    if since is not None:
        try:
            moment = datetime.fromisoformat(since.strip())
        except ValueError:
            print(f"newswire export: --since {since!r} is not an ISO 8601 date or date-time "
                  "(e.g. 2026-05-01 or 2026-05-01T12:00:00Z)", file=sys.stderr)
            return 2
    if fmt == "parquet" and output in (None, "-"):
        print("newswire export: parquet needs a file: -o FILE", file=sys.stderr)
        return 2
    store = Store(settings.store_url)
    try:
        if output in (None, "-"):
            count = export(store, fmt, sys.stdout.buffer, moment)
            sys.stdout.buffer.flush()
        else:
            with Path(output).open("wb") as out:
                count = export(store, fmt, out, moment)
    finally:
        store.close()
    print(f"exported {count} article(s) as {fmt}", file=sys.stderr)
    return 0
