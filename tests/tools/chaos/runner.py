"""The chaos run: submit ~1,000 URLs, SIGKILL each service in turn several times while they
flow, let the supervisor restart it, then count what survived.

Kills are triggered by progress (articles + failures in the store), so every kill lands while
URLs are still moving; they rotate ingest -> extract -> store. The URL topics are keyed by
domain, and the load site answers on several loopback addresses, so four partitions carry
work. Ingest is throttled per domain so that it, too, is still fetching when it is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from newswire.submit import submit_urls
from tests.tools.chaos.checker import Check, check, poll_accounted
from tests.tools.chaos.rss import RssMonitor, children_of, wait_gone
from tests.tools.pipeline import PipelineLike, Poller, readyz

__all__ = ["ChaosResult", "Kill", "kill_service", "run_chaos", "stats"]


@dataclass
class Kill:
    service: str
    pid: int
    at_progress: int
    at_seconds: float
    ready_after: float | None = None  # kill -> the new process answers /readyz 200
    progress_after: float | None = None  # kill -> the store counts one more URL
    orphans: list[int] = field(default_factory=list)  # parser processes left running


@dataclass
class ChaosResult:
    check: Check
    kills: list[Kill]
    seconds: float
    restarts: dict[str, int]
    rss: dict[str, dict[str, int]]
    longest_stall: float

    def summary(self) -> dict[str, Any]:
        recov = [k.ready_after for k in self.kills if k.ready_after is not None]
        return {
            **self.check.summary(),
            "seconds": round(self.seconds, 1),
            "kills": [{"service": k.service, "at_progress": k.at_progress,
                       "at_s": round(k.at_seconds, 1),
                       "ready_after_s": None if k.ready_after is None else round(k.ready_after, 1),
                       "progress_after_s": None if k.progress_after is None
                       else round(k.progress_after, 1),
                       "orphans": len(k.orphans)} for k in self.kills],
            "recovery_max_s": round(max(recov), 1) if recov else None,
            "recovery_mean_s": round(sum(recov) / len(recov), 1) if recov else None,
            "longest_stall_s": round(self.longest_stall, 1),
            "restarts": self.restarts,
            "rss": self.rss,
        }


def stats(api: str) -> dict[str, int] | None:
    try:
        resp = httpx.get(f"{api}/stats", timeout=3, trust_env=False)
        return dict(resp.json()) if resp.status_code == 200 else None
    except httpx.HTTPError:
        return None


def kill_service(pipe: PipelineLike, service: str) -> tuple[int, list[int]]:
    """SIGKILL one service's process (its parser processes are not signalled: what happens to
    them is part of the test). Returns (pid, its descendants at the time)."""
    pid = pipe.supervisor.pids()[service]
    kids = children_of(pid)
    os.kill(pid, signal.SIGKILL)
    return pid, kids


def run_chaos(pipe: PipelineLike, urls: list[str], *, kills_per_service: int = 3,
              services: tuple[str, ...] = ("ingest", "extract", "store"),
              deadline: float = 420.0, log: Any = print) -> ChaosResult:
    sup = pipe.supervisor
    plan = [s for _ in range(kills_per_service) for s in services]
    n = len(urls)
    # Kill i at progress (i + 1) / (len(plan) + 2) of the URLs: all of them mid-stream.
    thresholds = [int(n * (i + 1) / (len(plan) + 2)) for i in range(len(plan))]
    base = stats(pipe.api) or {"articles": 0, "failures": 0}
    base_done = base["articles"] + base["failures"]
    kills: list[Kill] = []
    started = time.monotonic()
    last_progress, last_change, longest_stall = 0, started, 0.0
    restarts_before = {name: c.restarts for name, c in sup.children.items()}

    def progress() -> int | None:
        nonlocal last_progress, last_change, longest_stall
        s = stats(pipe.api)
        now = time.monotonic()
        if s is None:
            return None
        done = s["articles"] + s["failures"] - base_done
        if done != last_progress:
            longest_stall = max(longest_stall, now - last_change)
            last_progress, last_change = done, now
        return done

    with RssMonitor(sup.pids) as rss, Poller(sup) as poller:
        submitted = asyncio.run(submit_urls(pipe.settings, urls))
        if submitted.rejected:
            raise RuntimeError(f"rejected URLs: {submitted.rejected[:3]}")
        log(f"submitted {n} URLs; kill plan: "
            + ", ".join(f"{s}@{t}" for s, t in zip(plan, thresholds, strict=True)))
        end = started + deadline
        for service, threshold in zip(plan, thresholds, strict=True):
            while time.monotonic() < end:
                done = progress()
                if done is not None and done >= threshold:
                    break
                time.sleep(0.2)
            if poller.error is not None:
                raise poller.error
            done = last_progress
            if done >= n:
                log(f"stream finished before the {service} kill at {threshold}")
                break
            pid, kids = kill_service(pipe, service)
            kill = Kill(service, pid, done, time.monotonic() - started)
            t0 = time.monotonic()
            kills.append(kill)
            log(f"  SIGKILL {service} (pid {pid}, {len(kids)} children) at {done}/{n} URLs, "
                f"{kill.at_seconds:.0f}s")
            kill.orphans = wait_gone(kids, 20)
            while time.monotonic() < end:
                now = time.monotonic()
                if kill.ready_after is None and sup.pids().get(service) != pid \
                        and readyz(pipe.settings, service):
                    kill.ready_after = now - t0
                p = progress()
                if kill.progress_after is None and p is not None and p > done:
                    kill.progress_after = now - t0
                if kill.ready_after is not None and (kill.progress_after is not None
                                                     or (p or 0) >= n):
                    break
                time.sleep(0.2)
            log(f"    {service} ready again after {kill.ready_after}s, progress after "
                f"{kill.progress_after}s, orphaned parser processes: {len(kill.orphans)}")
        while time.monotonic() < end:
            done = progress()
            if done is not None and done >= n:
                break
            time.sleep(0.3)
        if poller.error is not None:
            raise poller.error
        results = poll_accounted(pipe.api, urls, max(end, time.monotonic() + 30))
        seconds = time.monotonic() - started
        longest_stall = max(longest_stall, time.monotonic() - last_change) \
            if last_progress < n else longest_stall
        result = check(pipe.settings, urls, results)
    restarts = {name: c.restarts - restarts_before[name] for name, c in sup.children.items()}
    for k in kills:  # a parser process that outlived its service would leak: end it
        for orphan in wait_gone(k.orphans, 0):
            with contextlib.suppress(ProcessLookupError):
                os.kill(orphan, signal.SIGKILL)
    return ChaosResult(result, kills, seconds, restarts, rss.report_mb(), longest_stall)
