"""Generate the JSON Schema files of every public event from the pydantic models.

    python scripts/gen_schemas.py           # write newswire/schemas/*.json
    python scripts/gen_schemas.py --check   # exit 1 if the checked-in files differ (CI)

One file per event type, named after its CloudEvents type (``news.article.enriched.v1.json``).
The schemas describe the JSON value on the topic (``mode="serialization"``). The enriched
event's ``claims`` items are described by the claims library's ``Claim`` model (the event
carries them as plain objects, so further keys may appear in later versions).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson
from pydantic import TypeAdapter

from newswire.events import (
    ArticleEnriched,
    ArticleExtracted,
    Event,
    Failure,
    PageFetched,
    UrlSubmitted,
)
from services.extract.claims.model import Claim

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "newswire" / "schemas"
PUBLIC_EVENTS: tuple[type[Event], ...] = (UrlSubmitted, PageFetched, ArticleExtracted,
                                          ArticleEnriched, Failure)
_TOPICS = {"news.url.submitted.v1": "news.url.submitted",
           "news.page.fetched.v1": "news.page.fetched",
           "news.article.extracted.v1": "news.article.extracted",
           "news.article.enriched.v1": "news.article.enriched",
           "news.failure.v1": "<topic>.dlq (as headers) and the store's failures"}


def render() -> dict[str, bytes]:
    """File name -> file content, for every public event."""
    out = {}
    for model in PUBLIC_EVENTS:
        schema = model.model_json_schema(mode="serialization")
        if "claims" in schema["properties"]:
            claim = TypeAdapter(Claim).json_schema(mode="serialization")
            claim["additionalProperties"] = True
            schema["properties"]["claims"]["items"] = claim
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://newswire.dev/schemas/{model.ce_type}.json",
            "x-ce-type": model.ce_type,
            "x-topic": _TOPICS[model.ce_type],
            **schema,
        }
        out[f"{model.ce_type}.json"] = orjson.dumps(
            schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    args = parser.parse_args(argv)
    wanted = render()
    if args.check:
        stale = [name for name, data in wanted.items()
                 if not (SCHEMA_DIR / name).is_file() or (SCHEMA_DIR / name).read_bytes() != data]
        extra = sorted(p.name for p in SCHEMA_DIR.glob("*.json") if p.name not in wanted)
        for name in stale:
            print(f"stale: newswire/schemas/{name}", file=sys.stderr)
        for name in extra:
            print(f"not generated from a model: newswire/schemas/{name}", file=sys.stderr)
        if stale or extra:
            print("run: python scripts/gen_schemas.py", file=sys.stderr)
            return 1
        return 0
    SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    for name, data in wanted.items():
        (SCHEMA_DIR / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
