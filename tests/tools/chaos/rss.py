"""Resident memory of every service process tree, sampled from /proc in a background thread."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["RssMonitor", "children_of", "rss_bytes", "tree_rss"]


def rss_bytes(pid: int) -> int:
    """VmRSS of one process in bytes (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _ppids() -> dict[int, int]:
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        out[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return out


def children_of(pid: int, table: dict[int, int] | None = None) -> list[int]:
    """Every descendant of ``pid`` (parser processes, their helpers)."""
    table = _ppids() if table is None else table
    out: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in table.items() if pp == parent]
        out += kids
        frontier += kids
    return out


def tree_rss(pid: int) -> tuple[int, dict[int, int]]:
    """(largest single process RSS, {pid: rss}) over a process and its descendants."""
    members = [pid, *children_of(pid)]
    sizes = {p: rss_bytes(p) for p in members}
    return max(sizes.values(), default=0), sizes


class RssMonitor:
    """Samples every service (and each of its descendants) every ``interval`` seconds and
    keeps the peak per service: the largest single process and the whole tree."""

    def __init__(self, pids: Callable[[], dict[str, int]], interval: float = 0.5) -> None:
        self._pids = pids
        self.interval = interval
        self.peak_process: dict[str, int] = {}
        self.peak_tree: dict[str, int] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        table = _ppids()
        for name, pid in dict(self._pids()).items():
            members = [pid, *children_of(pid, table)]
            sizes = [rss_bytes(p) for p in members]
            self.peak_process[name] = max(self.peak_process.get(name, 0), max(sizes))
            self.peak_tree[name] = max(self.peak_tree.get(name, 0), sum(sizes))
        self.samples += 1

    def __enter__(self) -> RssMonitor:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sample()

    def report_mb(self) -> dict[str, dict[str, int]]:
        return {name: {"peak_process_mb": self.peak_process[name] // 2**20,
                       "peak_tree_mb": self.peak_tree.get(name, 0) // 2**20}
                for name in sorted(self.peak_process)}


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    """Wait until none of ``pids`` exists (zombies count as gone); return the survivors."""
    deadline = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _alive(p)]
        if alive:
            time.sleep(0.2)
    return alive


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")
