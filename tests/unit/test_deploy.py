"""Deployment files: what CI can prove without a Docker engine or a cluster."""

from __future__ import annotations

from pathlib import Path

import yaml
from rich.console import Console

from newswire.status import _table

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("ingest", "extract", "store")


def test_compose_services_run_the_commands_the_tests_run() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in SERVICES:
        service = compose["services"][name]
        # the container entrypoint is `newswire`, as the supervisor runs `newswire.cli service`
        assert service["command"] == ["service", name]
        assert "healthcheck" in service
    assert compose["services"]["kafka"]["image"].startswith("apache/kafka:")
    assert compose["services"]["kafka-init"]["entrypoint"][-1] == "newswire.topics_init"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["newswire"]' in dockerfile and "USER newswire" in dockerfile


def test_kubernetes_deployments_have_probes_resources_and_graceful_shutdown() -> None:
    seen = set()
    for path in sorted((ROOT / "deploy/k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc.get("kind") != "Deployment":
                continue
            spec = doc["spec"]["template"]["spec"]
            container = spec["containers"][0]
            name = container["args"][1]
            seen.add(name)
            assert container["args"] == ["service", name]
            assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert container["resources"]["limits"]["memory"]
            assert spec["terminationGracePeriodSeconds"] >= 30
            assert spec["securityContext"]["runAsNonRoot"] is True
    assert seen == set(SERVICES)


def test_live_status_table_shows_rates_and_counts() -> None:
    status = {"broker": "k:9092", "store": {"articles": 9, "failures": 1, "claims": 30},
              "services": {"ingest": {"up": True, "consumed": 10, "ok": 9, "failed": 1,
                                      "dlq": 1, "lag": 0},
                           "extract": {"up": False, "consumed": 0}}}
    console = Console(width=100, record=True)
    console.print(_table(status, {"services": {"ingest": {"consumed": 4}}}, 2.0))
    text = console.export_text()
    assert "3.0" in text  # (10 - 4) / 2 s
    assert "9 articles, 1 failures, 30 claims" in text
    assert "no" in text.split("extract")[1].splitlines()[0]
