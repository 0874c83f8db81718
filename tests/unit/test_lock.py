"""requirements/lock.txt pins every installed package with hashes; it must agree with
pyproject.toml and with the environment the tests run in."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_ENTRY = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", re.M)


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


LOCK = (ROOT / "requirements/lock.txt").read_text()


def _locked() -> dict[str, str]:
    return {_norm(n): v for n, v in _ENTRY.findall(LOCK)}


def _declared() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    out = {}
    for spec in specs:
        m = _ENTRY.match(spec)
        assert m, f"dependency not pinned exactly in pyproject.toml: {spec}"
        out[_norm(m.group(1))] = m.group(2)
    return out


def test_every_declared_pin_is_locked_at_the_same_version() -> None:
    locked = _locked()
    mismatched = {n: (v, locked.get(n)) for n, v in _declared().items() if locked.get(n) != v}
    assert not mismatched, f"pyproject pin vs lock (regenerate requirements/lock.txt): {mismatched}"


def test_every_locked_package_carries_hashes() -> None:
    entries = [b for b in re.split(r"\n(?=[A-Za-z0-9])", LOCK) if _ENTRY.match(b)]
    assert len(entries) == len(_locked()) > 50
    assert all("--hash=sha256:" in b for b in entries)


def test_the_test_environment_is_the_locked_one() -> None:
    drift = {}
    for name, pinned in _locked().items():
        try:
            got = version(name)
        except PackageNotFoundError:
            got = None
        if got != pinned:
            drift[name] = (pinned, got)
    assert not drift, f"installed packages differ from requirements/lock.txt: {drift}"
