"""Fetch-only benchmark: the ingest core (safe fetcher, one shared httpx client, the per-domain
scheduler) against a loopback server spread over 50 host names.

The 50 "hosts" are the loopback addresses 127.0.0.1 ... 127.0.0.50 (glibc does not resolve
``*.localhost`` names without nss-myhostname, and addresses need no resolver hook); the server
runs in a child process and listens on each of them, so each is its own domain for the
scheduler and its own connection pool for httpx. The guard allows 127.0.0.0/8 here only.

    run() -> {"throughput": {...}, "per_domain_limit": {...}}

1. throughput, politeness off (PER_DOMAIN_RPS=0, robots off): pages/s with hundreds in flight;
2. the per-domain limit under load: every host at 5 requests/s at once; the most request starts
   of one host in any one-second window (must stay <= 6).
"""

from __future__ import annotations

import asyncio
import resource
import subprocess
import sys
import time
from typing import Any

from newswire.settings import IngestSettings
from tests.tools.pipeline import free_port

__all__ = ["max_in_window", "run"]

HOSTS = [f"127.0.0.{i}" for i in range(1, 51)]

_SERVER = r"""
import asyncio, sys
from aiohttp import web
PAGE = (b"<!DOCTYPE html><html><head><title>t</title></head><body>" + b"<p>news text</p>" * 300
        + b"</body></html>")
async def page(request):
    return web.Response(body=PAGE, content_type="text/html")
async def main(port, hosts):
    app = web.Application()
    app.add_routes([web.get("/{p:.*}", page)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    for host in hosts:
        await web.TCPSite(runner, host, port, backlog=1024).start()
    print("ready", flush=True)
    await asyncio.Event().wait()
asyncio.run(main(int(sys.argv[1]), sys.argv[2].split(",")))
"""


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """Most events inside any closed interval of ``window`` seconds (times sorted)."""
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] > window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def _fetch_all(port: int, pages_per_host: int, rps: float,
                     max_in_flight: int) -> dict[str, Any]:
    from services.ingest.fetch import FetchPolicy, ShardedClient, fetch
    from services.ingest.guard import AddressGuard
    from services.ingest.scheduler import DomainScheduler

    cfg = IngestSettings(allow_networks=["127.0.0.0/8"], per_domain_rps=rps,
                         max_in_flight=max_in_flight, per_domain_concurrency=4)
    policy = FetchPolicy(guard=AddressGuard(cfg.allow_networks), total_timeout=30.0)
    scheduler = DomainScheduler(rps, max_in_flight=cfg.max_in_flight,
                                per_domain_concurrency=cfg.per_domain_concurrency)
    starts: dict[str, list[float]] = {h: [] for h in HOSTS}
    sizes: list[int] = []
    failures: dict[str, int] = {}

    async with ShardedClient(cfg) as client:
        async def one(host: str, i: int) -> None:
            url = f"http://{host}:{port}/news/{i}"

            async def work() -> int:
                starts[host].append(time.monotonic())
                return len((await fetch(url, client, policy)).body)

            try:
                sizes.append(await scheduler.run(host, url, f"http://{host}:{port}", work,
                                                 check_robots=False))
            except Exception as exc:  # noqa: BLE001 - counted, reported
                failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1

        # warm the connection pools, then measure
        await asyncio.gather(*(one(h, -1) for h in HOSTS))
        for h in HOSTS:
            starts[h].clear()
        sizes.clear()
        began = time.perf_counter()
        cpu_began = _cpu_seconds()
        await asyncio.gather(*(one(h, i) for i in range(pages_per_host) for h in HOSTS))
        elapsed = time.perf_counter() - began
        cpu = _cpu_seconds() - cpu_began
    return {
        "pages": len(sizes), "failures": failures, "seconds": round(elapsed, 2),
        "pages_per_second": round(len(sizes) / elapsed, 1),
        # the fetcher's own CPU per page (the server is another process): steadier than
        # pages/s when something else competes for the 2 cores
        "fetcher_cpu_ms_per_page": round(1000 * cpu / max(1, len(sizes)), 3),
        "max_starts_of_one_host_in_1s": max(max_in_window(sorted(t)) for t in starts.values()),
    }


def run(pages_per_host: int = 100, limited_pages_per_host: int = 20) -> dict[str, Any]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", _SERVER, str(port), ",".join(HOSTS)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        if server.stdout.readline().strip() != "ready":
            raise RuntimeError("bench server did not start")
        throughput = asyncio.run(_fetch_all(port, pages_per_host, 0, 256))
        limited = asyncio.run(_fetch_all(port, limited_pages_per_host, 5, 256))
    finally:
        server.terminate()
        server.wait(10)
    return {
        "hosts": len(HOSTS),
        "throughput": {**throughput, "per_domain_rps": 0, "robots": False},
        "per_domain_limit": {**limited, "per_domain_rps": 5, "allowed_in_any_1s": 6,
                             "held": limited["max_starts_of_one_host_in_1s"] <= 6},
    }


if __name__ == "__main__":
    import orjson

    print(orjson.dumps(run(), option=orjson.OPT_INDENT_2).decode())
