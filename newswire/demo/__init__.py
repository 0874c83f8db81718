"""`newswire demo` (what `make run` does): the whole pipeline on embedded defaults, fed by a
bundled news site on loopback, with a progress display and a summary of what was stored."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from typing import Any

import httpx
from aiohttp import web

from newswire.demo.site import ARTICLES, site_app
from newswire.settings import Settings
from newswire.submit import submit_urls
from newswire.supervisor import Supervisor

__all__ = ["SiteServer", "run_demo"]


class SiteServer:
    """Serve an aiohttp app on 127.0.0.1 from a background thread."""

    def __init__(self, app: web.Application, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app, self.host, self.port = app, host, port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        runner = web.AppRunner(self.app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, self.host, self.port)
        self._loop.run_until_complete(site.start())
        self.port = runner.addresses[0][1]
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())
        self._loop.close()

    def start(self) -> str:
        self._thread.start()
        self._ready.wait(10)
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


def _wait_ready(api: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{api}/readyz", timeout=3).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        print("\r  waiting for the services to join their consumer groups...", end="",
              flush=True)
        time.sleep(1)
    return False


def _poll(api: str, urls: list[str], timeout: float) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=5) as client:
        while len(results) < len(urls) and time.monotonic() < deadline:
            for url in urls:
                if url in results:
                    continue
                resp = client.get(f"{api}/articles", params={"url": url})
                if resp.status_code == 200:
                    results[url] = resp.json()
            stored = sum(r["status"] == "ok" for r in results.values())
            failed = len(results) - stored
            print(f"\r  progress: {stored} stored, {failed} failed, "
                  f"{len(urls) - len(results)} in flight   ", end="", flush=True)
            time.sleep(0.5)
    print()
    return results


def run_demo(settings: Settings, wait: bool = True) -> int:
    env = dict(os.environ)
    # The demo site is on loopback, which the fetcher refuses by default (SSRF protection).
    env.setdefault("NEWSWIRE_INGEST__ALLOW_NETWORKS", "127.0.0.0/8")
    env.setdefault("NEWSWIRE_INGEST__PER_DOMAIN_RPS", "5")
    site = SiteServer(site_app())
    base = site.start()
    print(f"demo news site on {base} ({len(ARTICLES)} articles)")
    sup = Supervisor(settings, env=env)
    try:
        sup.start()
        api = f"http://{settings.api.host}:{settings.api.port}"
        if not _wait_ready(api, 90):
            print(f"\nservices did not become ready; see logs in {sup.logs}", file=sys.stderr)
            return 1
        print("\r  services ready" + " " * 50)
        urls = [f"{base}/news/{a.slug}" for a in ARTICLES]
        urls[0] += "?utm_source=demo&utm_medium=readme"  # canonicalised away
        urls += [f"{base}/news/no-such-story", f"{base}/report.pdf", f"{base}/gallery"]
        result = asyncio.run(submit_urls(settings, urls))
        print(f"submitted {len(result.submitted)} URLs to the pipeline")
        results = _poll(api, result.submitted, 120)
        print("\nstored articles:")
        for r in results.values():
            if r["status"] == "ok":
                words = len(r["text"].split())
                print(f"  {r['title']!s:<62} {words:>4} words {len(r['claims']):>3} claims")
        print("failed URLs (every URL is accounted for):")
        for url, r in results.items():
            if r["status"] == "failed":
                print(f"  {url:<50} stage={r['stage']} reason={r['reason']}")
        missing = [u for u in result.submitted if u not in results]
        for url in missing:
            print(f"  {url}: still in flight after 120 s", file=sys.stderr)
        print(f"\nexplorer: {api}/  API: {api}/stats  {api}/articles?url=...  docs: {api}/docs")
        print("metrics: "
              + ", ".join(settings.metrics_urls().values()))
        if wait:
            print("pipeline keeps running; submit more with `.venv/bin/newswire submit URL`. "
                  "Ctrl-C to stop.", flush=True)
            sup.run_forever()
        return 1 if missing else 0
    finally:
        sup.stop()
        site.stop()
