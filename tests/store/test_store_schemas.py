"""The checked-in JSON Schemas are exactly what the models generate, and real events on the
wire conform to them."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from newswire.events import ArticleEnriched, Failure, PageFetched, UrlSubmitted, encode
from newswire.schemas import SCHEMA_DIR, load
from tests.schema_check import conforms

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import gen_schemas


def test_checked_in_schemas_match_the_models() -> None:
    generated = gen_schemas.render()
    on_disk = {p.name: p.read_bytes() for p in SCHEMA_DIR.glob("*.json")}
    assert set(on_disk) == set(generated), "run: python scripts/gen_schemas.py"
    for name, data in generated.items():
        assert on_disk[name] == data, f"{name} is stale: run python scripts/gen_schemas.py"
    assert gen_schemas.main(["--check"]) == 0


def test_check_mode_fails_on_a_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(gen_schemas, "SCHEMA_DIR", tmp_path)
    assert gen_schemas.main([]) == 0
    target = tmp_path / "news.article.enriched.v1.json"
    target.write_bytes(target.read_bytes().replace(b'"claims"', b'"claimz"'))
    assert gen_schemas.main(["--check"]) == 1
    assert "stale: newswire/schemas/news.article.enriched.v1.json" in capsys.readouterr().err


def test_events_on_the_wire_conform_to_their_schema() -> None:
    now = datetime(2026, 5, 1, tzinfo=UTC)
    claim = {"kind": "quote", "text": "We will", "start": 0, "end": 7, "direct": True,
             "speaker": "Ann Lee", "speaker_start": 9, "speaker_end": 16, "cue": "said",
             "checkworthiness": 0.4, "type": None}
    events = [
        UrlSubmitted(submitted_url="https://a.com/x", url="https://a.com/x"),
        PageFetched.with_html(b"<html></html>", submitted_url="https://a.com/x",
                              url="https://a.com/x", final_url="https://a.com/x", status=200,
                              content_type="text/html", fetched_at=now),
        ArticleEnriched(submitted_url="https://a.com/x", article_id="a" * 32,
                        url="https://a.com/x", canonical_url="https://a.com/x",
                        final_url="https://a.com/x", text="We will, said Ann Lee.",
                        fetched_at=now, content_hash="h", claims=[claim]),
        Failure(submitted_url="https://a.com/x", url=None, stage="ingest", reason="timeout",
                detail="slow"),
    ]
    for event in events:
        schema = load(event.ce_type)
        assert schema["x-ce-type"] == event.ce_type
        value = orjson.loads(encode(event))
        assert conforms(value, schema, schema.get("$defs", {})) == [], event.ce_type
    enriched = load("news.article.enriched.v1")
    bad = orjson.loads(encode(events[2]))
    bad["claims"][0]["start"] = "zero"
    del bad["article_id"]
    assert conforms(bad, enriched, {}) == ["missing article_id",
                                            "claims: [0]: start: 'zero' is not integer"]
