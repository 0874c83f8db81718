"""Parser processes are counted from the container's CPU quota, not the host's cores."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newswire.cpus import cgroup_cpu_limit, usable_cpus
from newswire.settings import ExtractSettings


def _cgroup(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize(("files", "expected"), [
    ({"cpu.max": "200000 100000\n"}, 2),                # v2: 2 CPUs
    ({"cpu.max": "150000 100000\n"}, 1),                # 1.5 CPUs: rounded down
    ({"cpu.max": "50000 100000\n"}, 1),                 # half a CPU: still one process
    ({"cpu.max": "max 100000\n"}, 8),                   # v2 without a quota
    ({"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 3),  # v1
    ({"cpu,cpuacct/cpu.cfs_quota_us": "400000\n",
      "cpu,cpuacct/cpu.cfs_period_us": "100000\n"}, 4),  # v1, the combined controller
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, 8),  # v1: none
    ({"cpu.max": "garbage"}, 8),
    ({}, 8),                                            # no cgroup files at all
    ({"cpu.max": "6400000 100000\n"}, 8),               # a quota above the CPUs we may use
])
def test_the_cgroup_quota_bounds_the_parser_processes(
        tmp_path: Path, files: dict[str, str], expected: int) -> None:
    assert usable_cpus(_cgroup(tmp_path, files), available=8) == expected


def test_quota_from_file_contents() -> None:
    assert cgroup_cpu_limit("250000 100000") == 2.5
    assert cgroup_cpu_limit(None, "100000", "50000") == 2.0
    assert cgroup_cpu_limit("max 100000", "100000", "50000") is None  # v2 wins
    assert cgroup_cpu_limit(None, "-1", "100000") is None
    assert cgroup_cpu_limit(None, None, None) is None


def test_the_extract_setting_uses_the_usable_cpus(tmp_path: Path) -> None:
    assert ExtractSettings(workers=3).worker_count == 3
    assert ExtractSettings().worker_count == usable_cpus()
    # with no cgroup quota, the affinity mask (at most the machine's count) decides
    assert 1 <= usable_cpus(tmp_path) <= (os.cpu_count() or 1)
