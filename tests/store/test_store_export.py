"""`newswire export` on both databases: JSON Lines and Parquet carry the same records, which
round-trip to what the store holds; --since filters like GET /articles?since=; the CLI reads
the database from the settings."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest

from services.store import export as export_mod
from services.store.db import Store
from services.store.export import RECORD, export
from tests.store.fixtures import article, quote, store  # noqa: F401 - store is the fixture

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
SAID = "The new harbour tunnel will open in the spring of next year as planned"


def _fill(store: Store, n: int = 5) -> None:
    for i in range(n):
        claims = [quote(f"Claim {i} about the harbour", "Mayor Ida Holm"),
                  quote("We are on budget", "Holm", direct=False, checkworthiness=0.25)] \
            if i % 2 == 0 else []
        event = article(f"https://site{i}.org/a", f"Story number {i} about the harbour.",
                        claims, title=f"Story {i}", fetched_at=T0 + timedelta(hours=i))
        store.upsert_article(event.model_copy(update={"language": "en", "metadata": {"i": i}}))


def _expected(store: Store, article_id: str) -> dict[str, Any]:
    """One record built from what the API answers for the article."""
    art = store.article(article_id)
    assert art is not None
    return {
        **{k: art[k] for k in ("id", "url", "canonical_url", "final_url", "title", "text",
                               "author", "published", "language", "site", "domain",
                               "fetched_at", "version", "content_hash", "story_id",
                               "duplicate_of")},
        "metadata": orjson.dumps(art["metadata"]).decode(),
        "claims": [{k: c[k] for k in ("index", "kind", "text", "start", "end", "direct",
                                      "speaker", "speaker_name", "speaker_mention", "cue",
                                      "checkworthiness", "type")} for c in art["claims"]]}


def _jsonl(store: Store, since: datetime | None = None) -> list[dict[str, Any]]:
    out = io.BytesIO()
    count = export(store, "jsonl", out, since)
    lines = out.getvalue().splitlines()
    assert count == len(lines)
    return [orjson.loads(line) for line in lines]


def _parquet(store: Store, since: datetime | None = None) -> list[dict[str, Any]]:
    out = io.BytesIO()
    count = export(store, "parquet", out, since)
    table = pq.read_table(io.BytesIO(out.getvalue()))
    assert table.schema == RECORD and table.num_rows == count
    return list(table.to_pylist())


def test_both_formats_round_trip_to_the_stored_articles(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_mod, "PAGE", 2)  # several pages, and a last partial one
    _fill(store)
    ids = [r[0] for r in store.rows("SELECT id FROM articles ORDER BY fetched_at", [])]
    expected = [_expected(store, aid) for aid in ids]
    assert len(expected) == 5 and expected[0]["claims"][1]["speaker"] == "Mayor Ida Holm"
    assert _jsonl(store) == expected
    assert _parquet(store) == expected
    assert expected[0]["claims"][1]["direct"] is False
    assert orjson.loads(expected[4]["metadata"]) == {"i": 4}


def test_since_keeps_what_the_article_list_keeps(store: Store) -> None:
    _fill(store)
    since = T0 + timedelta(hours=3)
    assert [r["url"] for r in _jsonl(store, since)] == [
        "https://site3.org/a", "https://site4.org/a"]
    assert [r["url"] for r in _parquet(store, since)] == [
        "https://site3.org/a", "https://site4.org/a"]
    assert _parquet(store, T0 + timedelta(days=9)) == []


def test_the_cli_exports_the_configured_database(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    s = Store(f"sqlite:///{db}")
    _fill(s, 3)
    s.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env["NEWSWIRE_STORE__URL"] = f"sqlite:///{db}"

    def cli(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "newswire.cli", "export", *args], env=env,
                              capture_output=True, timeout=60, check=False)

    out = cli("--since", "2026-05-01T13:00:00Z")
    assert out.returncode == 0, out.stderr
    assert [orjson.loads(line)["url"] for line in out.stdout.splitlines()] == [
        "https://site1.org/a", "https://site2.org/a"]
    target = tmp_path / "all.parquet"
    out = cli("--format", "parquet", "-o", str(target))
    assert out.returncode == 0 and b"exported 3 article(s) as parquet" in out.stderr
    assert pq.read_table(target).num_rows == 3
    assert cli("--format", "parquet").returncode == 2
    assert cli("--since", "last tuesday").returncode == 2
