"""`python -m newswire.bench --data ../shared/data [--only pipeline,...]`"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="newswire-bench")
    p.add_argument("--data", type=Path, required=True, help="folder holding aeb-dev/ etc.")
    p.add_argument("--only", default="pipeline", help="comma-separated: pipeline")
    p.add_argument("--out", type=Path, default=Path(".newswire/bench.json"))
    args = p.parse_args(argv)
    if not (args.data / "aeb-dev").is_dir():
        print(f"no aeb-dev/ under {args.data}", file=sys.stderr)
        return 2
    results: dict[str, object] = {}
    wanted = set(args.only.split(","))
    if "pipeline" in wanted:
        from newswire.bench import pipeline

        results["pipeline"] = pipeline.run(args.data / "aeb-dev")
    text = orjson.dumps(results, option=orjson.OPT_INDENT_2).decode()
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
