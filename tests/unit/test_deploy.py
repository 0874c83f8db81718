"""Deployment files: what CI can prove without a Docker engine or a cluster."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def _with_defaults(text: str) -> str:
    """Compose's ``${VAR:-default}`` interpolation with no variable set."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", text)


def published_host_ips(compose: dict[str, Any]) -> dict[str, list[str]]:
    """service -> the host address of each port it publishes ('' = every interface)."""
    out: dict[str, list[str]] = {}
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            if isinstance(port, dict):  # long syntax
                host_ip = str(port.get("host_ip", ""))
            else:  # [HOST_IP:]HOST_PORT:CONTAINER_PORT, or a bare CONTAINER_PORT
                parts = str(port).split(":")
                host_ip = parts[0] if len(parts) == 3 else ""
                if len(parts) == 1:
                    host_ip = "(ephemeral on every interface)"
            out.setdefault(name, []).append(host_ip)
    return out


def test_compose_publishes_the_unauthenticated_ports_on_loopback_only() -> None:
    compose = yaml.safe_load(_with_defaults((ROOT / "docker-compose.yml").read_text()))
    published = published_host_ips(compose)
    assert set(published) == {"store", "prometheus", "grafana"}
    for name, host_ips in published.items():
        assert host_ips == ["127.0.0.1"] * len(host_ips), name


POD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}


def _pod_specs() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted((ROOT / "deploy/k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc.get("kind") in POD_KINDS:
                yield f"{path.name}:{doc['kind']}", doc["spec"]["template"]["spec"]
            elif doc.get("kind") == "CronJob":
                yield path.name, doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
            elif doc.get("kind") == "Pod":
                yield path.name, doc["spec"]


def restricted_violations(spec: dict[str, Any]) -> list[str]:
    """The checks of Kubernetes' Pod Security Standard "restricted" (and "baseline", which it
    includes) that a pod spec fails."""
    bad = []
    pod = spec.get("securityContext", {})
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field):
            bad.append(field)
    if any("hostPath" in v for v in spec.get("volumes", [])):
        bad.append("hostPath volume")
    if pod.get("seccompProfile", {}).get("type") not in ("RuntimeDefault", "Localhost"):
        bad.append("pod seccompProfile")
    if pod.get("runAsUser") == 0:
        bad.append("pod runAsUser 0")
    containers = [*spec.get("initContainers", []), *spec["containers"]]
    for c in containers:
        ctx = c.get("securityContext", {})
        name = c["name"]
        if ctx.get("runAsNonRoot", pod.get("runAsNonRoot")) is not True:
            bad.append(f"{name}: runAsNonRoot")
        if ctx.get("runAsUser", pod.get("runAsUser")) == 0:
            bad.append(f"{name}: runAsUser 0")
        if ctx.get("privileged"):
            bad.append(f"{name}: privileged")
        if ctx.get("allowPrivilegeEscalation") is not False:
            bad.append(f"{name}: allowPrivilegeEscalation")
        caps = ctx.get("capabilities", {})
        if caps.get("drop") != ["ALL"] or set(caps.get("add", [])) - {"NET_BIND_SERVICE"}:
            bad.append(f"{name}: capabilities")
        seccomp = ctx.get("seccompProfile", pod.get("seccompProfile", {}))
        if seccomp.get("type") not in ("RuntimeDefault", "Localhost"):
            bad.append(f"{name}: seccompProfile")
        if any(p.get("hostPort") for p in c.get("ports", [])):
            bad.append(f"{name}: hostPort")
    return bad


def test_kubernetes_pods_pass_the_restricted_pod_security_profile() -> None:
    specs = dict(_pod_specs())
    assert len(specs) == 4  # three Deployments and the topic Job
    assert any(kind.endswith(":Job") for kind in specs)
    for where, spec in specs.items():
        assert restricted_violations(spec) == [], where
        assert spec.get("automountServiceAccountToken") is False, where
        for container in spec["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, where


def test_the_restricted_profile_check_catches_each_violation() -> None:
    good = next(spec for _, spec in _pod_specs())
    assert restricted_violations(good) == []
    breakages = [
        ("securityContext", "seccompProfile", None),
        ("securityContext", "runAsNonRoot", False),
        ("container", "allowPrivilegeEscalation", True),
        ("container", "capabilities", {"add": ["NET_ADMIN"], "drop": ["ALL"]}),
        ("container", "capabilities", {}),
        ("container", "privileged", True),
    ]
    for where, key, value in breakages:
        spec = yaml.safe_load(yaml.safe_dump(good))  # a deep copy
        target = spec["securityContext"] if where == "securityContext" \
            else spec["containers"][0]["securityContext"]
        target[key] = value
        if value is None:
            del target[key]
        assert restricted_violations(spec), (where, key, value)


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
