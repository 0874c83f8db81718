"""``newswire claims FILE...`` and ``newswire claims score`` (see the interface contract).

    newswire claims FILE...   one JSON line per file: {"file": ..., "claims": [...]}
    newswire claims score     JSON lines {"text": ...} on stdin → {"checkworthiness": float}
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .checkworthy import score_checkworthiness
from .core import find_claims

_KEYS = (
    "kind",
    "text",
    "start",
    "end",
    "direct",
    "speaker",
    "speaker_start",
    "speaker_end",
    "cue",
    "checkworthiness",
)


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _write(line: str) -> None:
    sys.stdout.buffer.write(line.encode("utf-8") + b"\n")


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 0 if argv else 2
    if argv == ["score"]:
        for raw in sys.stdin.buffer:
            if not raw.strip():
                continue
            try:
                text = json.loads(raw.decode("utf-8", "replace"))["text"]
            except (ValueError, KeyError, TypeError) as exc:
                print(f"claims score: bad input line: {exc}", file=sys.stderr)
                return 2
            _write(_dump({"checkworthiness": score_checkworthiness([str(text)])[0]}))
            sys.stdout.flush()
        return 0
    status = 0
    for path in argv:
        try:
            with open(path, "rb") as fh:
                text = fh.read().decode("utf-8", "replace")
        except OSError as exc:
            print(f"claims: {path}: {exc.strerror or exc}", file=sys.stderr)
            status = 1
            continue
        result = find_claims(text)
        # exactly the contract's keys; a partial result (time budget ran out) is said on stderr
        claims = [{k: d[k] for k in _KEYS} for d in (c.to_dict() for c in result.claims)]
        if result.partial:
            print(f"claims: {path}: time budget ran out, partial result", file=sys.stderr)
        _write(_dump({"file": path, "claims": claims}))
    sys.stdout.flush()
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
