"""How many CPUs this process may really use: the cgroup CPU quota of its container, else the
CPUs it may run on, else the machine's count (``os.cpu_count()`` alone counts the host's
cores, and a container limited to 2 CPUs on a 64-core host would start 64 parser processes).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

__all__ = ["cgroup_cpu_limit", "usable_cpus"]

CGROUP_ROOT = Path("/sys/fs/cgroup")


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def cgroup_cpu_limit(cpu_max: str | None, cfs_quota_us: str | None = None,
                     cfs_period_us: str | None = None) -> float | None:
    """CPUs allowed by a cgroup quota, from the files' contents: cgroup v2 ``cpu.max``
    (``"<quota> <period>"`` or ``"max <period>"``) first, else v1 ``cpu.cfs_quota_us`` and
    ``cpu.cfs_period_us`` (quota -1 = none). None when there is no quota or it is unreadable."""
    if cpu_max is not None:
        parts = cpu_max.split()
        if parts and parts[0] == "max":
            return None
        if len(parts) == 2:
            return _ratio(parts[0], parts[1])
    if cfs_quota_us is not None and cfs_period_us is not None:
        return _ratio(cfs_quota_us.strip(), cfs_period_us.strip())
    return None


def _ratio(quota: str, period: str) -> float | None:
    try:
        q, p = int(quota), int(period)
    except ValueError:
        return None
    return q / p if q > 0 and p > 0 else None


def _affinity() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def usable_cpus(cgroup_root: Path = CGROUP_ROOT, available: int | None = None) -> int:
    """Whole CPUs for CPU-bound worker processes: the cgroup quota under ``cgroup_root``
    rounded down (at least 1), capped by ``available`` (default: the CPUs in this process's
    affinity mask, else ``os.cpu_count()``)."""
    v1 = next((d for d in (cgroup_root / "cpu", cgroup_root / "cpu,cpuacct") if d.is_dir()),
              cgroup_root / "cpu")
    limit = cgroup_cpu_limit(_read(cgroup_root / "cpu.max"), _read(v1 / "cpu.cfs_quota_us"),
                             _read(v1 / "cpu.cfs_period_us"))
    if available is None:
        available = _affinity()
    if limit is None:
        return max(1, available)
    return max(1, min(available, math.floor(limit)))
