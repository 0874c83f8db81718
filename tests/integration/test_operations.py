"""What operators rely on: every metric a dashboard or alert names is exported, names follow
Prometheus conventions, compose validates and the alert rules pass their unit tests."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.tools.pipeline import Pipeline
from tests.unit.test_deploy import published_host_ips

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def _metrics_urls(pipe: Pipeline) -> list[str]:
    """The URLs operators get from `newswire status --json`."""
    proc = subprocess.run([sys.executable, "-m", "newswire.cli", "status", "--json"],
                          env=pipe.env, capture_output=True, text=True, timeout=60, check=True)
    services = json.loads(proc.stdout)["services"]
    assert set(services) == {"ingest", "extract", "store"}
    return [s["metrics_url"] for s in services.values()]


def _exported(pipe: Pipeline) -> dict[str, str]:
    """metric family name -> type, over every service."""
    families: dict[str, str] = {}
    for url in _metrics_urls(pipe):
        for family in text_string_to_metric_families(httpx.get(url, timeout=5).text):
            families[family.name] = family.type
    return families


def _referenced() -> set[str]:
    texts = [(ROOT / "deploy/prometheus/rules.yml").read_text()]
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/newswire.json").read_text())
    texts += [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    names = set()
    for text in texts:
        names.update(re.findall(r"\b(newswire_[a-z_]+)", text))
    return names


def test_dashboards_and_alerts_name_only_exported_metrics(pipeline: Pipeline) -> None:
    exported = _exported(pipeline)
    series = set()
    for name, kind in exported.items():
        series.add(name + "_total" if kind == "counter" else name)
        if kind == "histogram":
            series.update({name + "_bucket", name + "_sum", name + "_count"})
    missing = {n for n in _referenced() if n not in series}
    assert not missing, f"named in deploy/ but not exported: {sorted(missing)}"


def test_metric_names_follow_prometheus_conventions(pipeline: Pipeline) -> None:
    exported = {n: k for n, k in _exported(pipeline).items() if n.startswith("newswire_")}
    assert len(exported) >= 10
    for name, kind in exported.items():
        if kind == "histogram":
            assert name.endswith(("_seconds", "_bytes")) or name in {
                "newswire_article_words", "newswire_claims_per_article"}, name
        assert not name.endswith("_ms"), name
    # counters are exposed with the _total suffix (the parser strips it from family names)
    text = httpx.get(pipeline.settings.metrics_urls()["ingest"]).text
    assert "# TYPE newswire_fetches_total counter" in text


def test_compose_file_is_valid_and_publishes_on_loopback_only() -> None:
    assert shutil.which("docker-compose"), "make test installs docker-compose (Debian)"
    command = ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"]
    env = {k: v for k, v in os.environ.items() if k != "NEWSWIRE_PUBLISH_HOST"}
    subprocess.run([*command, "-q"], check=True, cwd=ROOT, env=env)
    rendered = subprocess.run(command, check=True, cwd=ROOT, env=env, capture_output=True,
                              text=True).stdout
    published = published_host_ips(yaml.safe_load(rendered))
    assert set(published) == {"store", "prometheus", "grafana"}
    assert all(ips == ["127.0.0.1"] * len(ips) for ips in published.values()), published


def test_alert_rules_check_and_unit_tests_pass() -> None:
    assert shutil.which("promtool"), "make test installs promtool (Debian prometheus)"
    rules = ROOT / "deploy/prometheus"
    subprocess.run(["promtool", "check", "rules", "rules.yml"], check=True, cwd=rules)
    subprocess.run(["promtool", "test", "rules", "rules_test.yml"], check=True, cwd=rules)
