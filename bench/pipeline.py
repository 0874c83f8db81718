"""Pipeline throughput vs plain trafilatura, on the aeb-dev pages served over loopback.

Reference: ``trafilatura.extract(html)`` in one process over the same files.
Pipeline: the real services (embedded broker, ingest, extract, store, SQLite) started fresh;
the clock runs from the first submit to the last URL accounted for (stored or failed).
"""

from __future__ import annotations

import asyncio
import gzip
import os
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
from aiohttp import web

from newswire.demo import SiteServer
from newswire.submit import submit_urls
from newswire.supervisor import Supervisor
from services.extract.extraction.metric import score_documents
from tests.tools.pipeline import start_pipeline

__all__ = ["load_pages", "page_site", "proc_table", "run", "run_pipeline"]


def load_pages(folder: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    truth = orjson.loads((folder / "ground-truth.json").read_bytes())
    pages = {p.name.removesuffix(".html.gz"): gzip.decompress(p.read_bytes())
             for p in sorted((folder / "html").glob("*.html.gz"))}
    return pages, {k: v["articleBody"] for k, v in truth.items()}


def plain_trafilatura(pages: dict[str, bytes]) -> tuple[float, dict[str, str]]:
    import trafilatura

    started = time.perf_counter()
    out = {pid: trafilatura.extract(html) or "" for pid, html in pages.items()}
    return time.perf_counter() - started, out


def page_site(pages: dict[str, bytes]) -> web.Application:
    gz = {pid: gzip.compress(html, 6) for pid, html in pages.items()}

    async def page(request: web.Request) -> web.Response:
        pid = request.match_info["pid"]
        if pid not in gz:
            raise web.HTTPNotFound()
        return web.Response(body=gz[pid], content_type="text/html",
                            headers={"Content-Encoding": "gzip"})

    app = web.Application()
    app.add_routes([web.get("/page/{pid}", page)])
    return app


def proc_table() -> dict[int, tuple[int, float, int, str]]:
    """pid -> (ppid, cpu seconds, rss bytes, command) for every process we can read."""
    table = {}
    tick = os.sysconf("SC_CLK_TCK")
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        table[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick,
                             int(fields[21]) * page, cmd)
    return table


def _by_service(sup: Supervisor, broker_pid: int) -> dict[str, tuple[float, int]]:
    """CPU seconds and peak-ish RSS (now) per service, parser processes included."""
    table = proc_table()
    out: dict[str, tuple[float, int]] = {}
    for name, pid in sup.pids().items():
        members = [pid] + [p for p, row in table.items() if row[0] == pid]
        cpu = sum(table[p][1] for p in members if p in table)
        rss = sum(table[p][2] for p in members if p in table)
        out[name] = (cpu, rss)
    if broker_pid in table:
        out["broker"] = (table[broker_pid][1], table[broker_pid][2])
    return out


def run_pipeline(pages: dict[str, bytes], claims: bool, workers: int = 0) -> dict[str, Any]:
    site = SiteServer(page_site(pages))
    base = site.start()
    # workers=0: the service's default (one parser process per CPU)
    pipe = start_pipeline(namespace="bench", log_level="warning",
                          NEWSWIRE_EXTRACT__CLAIMS_ENABLED="true" if claims else "false",
                          NEWSWIRE_EXTRACT__WORKERS=str(workers))
    assert pipe.broker is not None
    settings, sup, api = pipe.settings, pipe.supervisor, pipe.api
    try:
        urls = {f"{base}/page/{pid}": pid for pid in pages}
        cpu_before = _by_service(sup, pipe.broker.pid)
        started = time.perf_counter()
        asyncio.run(submit_urls(settings, urls))
        with httpx.Client(timeout=10) as client:
            while time.perf_counter() - started < 600:
                stats = client.get(f"{api}/stats").json()
                if stats["articles"] + stats["failures"] >= len(urls):
                    break
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            cpu_after = _by_service(sup, pipe.broker.pid)
            texts: dict[str, str] = {}
            failed: dict[str, str] = {}
            for url, pid in urls.items():
                r = client.get(f"{api}/articles", params={"url": url})
                body = r.json() if r.status_code == 200 else {"status": "missing"}
                if body["status"] == "ok":
                    texts[pid] = body["text"]
                else:
                    failed[pid] = body.get("reason", "missing")
        usage = {name: {"cpu_seconds": round(cpu_after[name][0] - cpu_before[name][0], 2),
                        "rss_mb": round(cpu_after[name][1] / 2**20)}
                 for name in cpu_after if name in cpu_before}
        return {"seconds": elapsed, "stored": len(texts), "failed": failed, "usage": usage,
                "accounted": len(texts) + len(failed), "texts": texts,
                "claims": stats.get("claims", 0)}
    finally:
        pipe.stop()
        site.stop()


def run(folder: Path) -> dict[str, Any]:
    """Pipeline runs with and without the claims stage, each bracketed by reference runs of
    plain trafilatura (their mean is the reference: the machine's load hits both alike)."""
    pages, truth = load_pages(folder)
    plain_trafilatura(pages)  # warm imports and caches
    results: dict[str, Any] = {"pages": len(pages)}
    for label, claims in (("pipeline_no_claims", False), ("pipeline", True)):
        before, ref_texts = plain_trafilatura(pages)
        out = run_pipeline(pages, claims=claims)
        after, _ = plain_trafilatura(pages)
        ref_rate = len(pages) / ((before + after) / 2)
        scores = score_documents((truth[pid], out["texts"].get(pid, "")) for pid in pages)
        rate = len(pages) / out["seconds"]
        results[label] = {
            "seconds": round(out["seconds"], 3), "pages_per_s": round(rate, 2),
            "trafilatura_pages_per_s": round(ref_rate, 2),
            "ratio_vs_trafilatura": round(rate / ref_rate, 3),
            "accounted": out["accounted"], "stored": out["stored"], "failed": out["failed"],
            "f1": round(scores.f1, 4), "precision": round(scores.precision, 4),
            "recall": round(scores.recall, 4), "claims": out["claims"], "usage": out["usage"]}
    ref_scores = score_documents((truth[pid], ref_texts[pid]) for pid in pages)
    results["trafilatura_f1"] = round(ref_scores.f1, 4)
    return results
