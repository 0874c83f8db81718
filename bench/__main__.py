"""`make bench` = `python -m bench --data ../shared/data`.

Each figure is a ratio against a reference measured in the same run on this machine.
Results are printed as JSON and written to .newswire/bench.json; docs/benchmarks.md records
them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

SECTIONS = ("extraction", "claims", "pipeline", "budget", "latency", "fetch", "store",
            "replicas", "scale")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="newswire-bench")
    p.add_argument("--data", type=Path, required=True, help="folder holding aeb-dev/, polnear/")
    p.add_argument("--only", default=",".join(SECTIONS),
                   help=f"comma-separated subset of {','.join(SECTIONS)}")
    p.add_argument("--out", type=Path, default=Path(".newswire/bench.json"))
    args = p.parse_args(argv)
    aeb = args.data / "aeb-dev"
    if not aeb.is_dir():
        print(f"no aeb-dev/ under {args.data}", file=sys.stderr)
        return 2
    wanted = set(args.only.split(","))
    results: dict[str, Any] = {}
    if "extraction" in wanted:
        from bench import extraction

        results["extraction"] = extraction.run(aeb)
        print(orjson.dumps({"extraction": results["extraction"]}).decode(), flush=True)
    if "claims" in wanted:
        import io

        from services.extract.claims.evaluate import evaluate_speed

        results["claims"] = evaluate_speed(args.data / "polnear/dev/text", aeb / "html",
                                           out=io.StringIO())
        results["claims"]["ratio_vs_trafilatura"] = round(
            results["claims"]["claims_articles_per_s"]
            / results["claims"]["trafilatura_pages_per_s"], 3)
        print(orjson.dumps({"claims": results["claims"]}).decode(), flush=True)
    if "pipeline" in wanted:
        from bench import pipeline

        results["pipeline"] = pipeline.run(aeb)
        print(orjson.dumps({"pipeline": results["pipeline"]}).decode(), flush=True)
    if "budget" in wanted:  # CPU per page of each stage's core, no stream framework around it
        from bench import budget

        results["budget"] = budget.run(aeb)
        print(orjson.dumps({"budget": results["budget"]}).decode(), flush=True)
    if "latency" in wanted:  # single-article latency on an idle pipeline; 1 -> 2 workers
        from bench import latency

        results["latency"] = latency.run(aeb)
        print(orjson.dumps({"latency": results["latency"]}).decode(), flush=True)
    if "fetch" in wanted:  # fetch-only throughput over 50 loopback hosts (no data needed)
        from bench import fetch

        results["fetch"] = fetch.run()
        print(orjson.dumps({"fetch": results["fetch"]}).decode(), flush=True)
    if "store" in wanted:  # write throughput on both databases, /search p95 (synthetic)
        from bench import store

        results["store"] = store.run()
        print(orjson.dumps({"store": results["store"]}).decode(), flush=True)
    if "replicas" in wanted:  # PostgreSQL: articles/s of one and of two store writers
        from bench import scale

        results["replicas"] = scale.replicas()
        print(orjson.dumps({"replicas": results["replicas"]}).decode(), flush=True)
    if "scale" in wanted:  # PostgreSQL: writes and API p95 at 10k, 100k (and 1M) articles
        from bench import scale

        results["scale"] = scale.scale()
        print(orjson.dumps({"scale": results["scale"]}).decode(), flush=True)
    text = orjson.dumps(results, option=orjson.OPT_INDENT_2).decode()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
