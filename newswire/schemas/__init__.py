"""JSON Schema files of the public events, generated from the models in ``newswire.events``
by ``scripts/gen_schemas.py`` (a test fails when they are stale). One file per CloudEvents
type: ``news.article.enriched.v1.json`` describes the values on ``news.article.enriched``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

__all__ = ["SCHEMA_DIR", "load"]

SCHEMA_DIR = Path(__file__).resolve().parent


def load(ce_type: str) -> dict[str, Any]:
    """The schema of one event type, e.g. ``load("news.article.enriched.v1")``."""
    data: dict[str, Any] = orjson.loads((SCHEMA_DIR / f"{ce_type}.json").read_bytes())
    return data
