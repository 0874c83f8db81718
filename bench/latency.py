"""Two pipeline benchmarks (wired into ``make bench``):

- ``run_latency(aeb_dir)``: end-to-end latency of a single article on an idle pipeline, from
  submit to stored (GET /articles answers 200), p50/p99 over distinct aeb-dev pages submitted
  one at a time. Reference, in the same run: plain ``trafilatura.extract`` of the same page
  in-process (what the pipeline's latency costs on top of the extraction itself).
- ``run_scaling(aeb_dir)``: pipeline throughput with 1 and with 2 extract parser processes
  (``NEWSWIRE_EXTRACT__WORKERS``) over the same pages; the ratio is the scaling.

``run(aeb_dir)`` returns both.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.pipeline import load_pages, page_site, run_pipeline
from newswire.submit import submit_urls
from tests.tools.pipeline import serve, start_pipeline

__all__ = ["percentile", "run", "run_latency", "run_scaling"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run_latency(aeb_dir: Path, samples: int = 60, timeout: float = 60.0) -> dict[str, Any]:
    import trafilatura

    pages, _ = load_pages(Path(aeb_dir))
    ids = sorted(pages)[:samples]
    site = serve(page_site(pages))
    base = f"http://{site.host}:{site.port}"
    harness = start_pipeline(namespace="bench", log_level="warning")
    latencies: list[float] = []
    reference: list[float] = []
    failed = 0
    try:
        with httpx.Client(timeout=5, trust_env=False) as client:
            for pid in ids:
                started = time.perf_counter()
                trafilatura.extract(pages[pid])
                reference.append(time.perf_counter() - started)
                url = f"{base}/page/{pid}"
                started = time.perf_counter()
                asyncio.run(submit_urls(harness.settings, [url]))
                while time.perf_counter() - started < timeout:
                    resp = client.get(f"{harness.api}/articles", params={"url": url})
                    if resp.status_code == 200:
                        break
                    time.sleep(0.01)
                elapsed = time.perf_counter() - started
                if resp.status_code == 200 and resp.json()["status"] == "ok":
                    latencies.append(elapsed)
                else:
                    failed += 1
                harness.supervisor.poll()
                time.sleep(0.2)  # idle between articles
    finally:
        harness.stop()
        site.stop()
    ms = [v * 1000 for v in latencies]
    ref = [v * 1000 for v in reference]
    return {"samples": len(ms), "failed": failed,
            "p50_ms": round(percentile(ms, 0.5), 1), "p99_ms": round(percentile(ms, 0.99), 1),
            "mean_ms": round(statistics.fmean(ms), 1) if ms else None,
            "trafilatura_p50_ms": round(percentile(ref, 0.5), 1),
            "trafilatura_p99_ms": round(percentile(ref, 0.99), 1),
            "ratio_p50_vs_trafilatura": round(percentile(ms, 0.5) / percentile(ref, 0.5), 1)}


def run_scaling(aeb_dir: Path, claims: bool = True) -> dict[str, Any]:
    pages, _ = load_pages(Path(aeb_dir))
    out: dict[str, Any] = {"pages": len(pages)}
    for workers in (1, 2, 1, 2):  # interleaved: load changes on the machine hit both alike
        result = run_pipeline(pages, claims=claims, workers=workers)
        rate = len(pages) / result["seconds"]
        out.setdefault(f"workers_{workers}", []).append(
            {"seconds": round(result["seconds"], 2), "pages_per_s": round(rate, 2),
             "accounted": result["accounted"]})
    for workers in (1, 2):
        runs = out[f"workers_{workers}"]
        out[f"workers_{workers}_pages_per_s"] = round(
            statistics.fmean(r["pages_per_s"] for r in runs), 2)
    out["ratio_2_vs_1"] = round(out["workers_2_pages_per_s"] / out["workers_1_pages_per_s"], 2)
    return out


def run(aeb_dir: Path) -> dict[str, Any]:
    return {"latency": run_latency(aeb_dir), "extract_workers_scaling": run_scaling(aeb_dir)}


if __name__ == "__main__":
    import json
    import sys

    which = sys.argv[2] if len(sys.argv) > 2 else "all"
    folder = Path(sys.argv[1])
    runs: dict[str, Callable[[Path], dict[str, Any]]] = {
        "latency": run_latency, "scaling": run_scaling, "all": run}
    fn = runs[which]
    print(json.dumps(fn(folder), indent=1))
