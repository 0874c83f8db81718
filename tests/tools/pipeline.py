"""The one pipeline builder for tests, the chaos suites and the benchmarks: an embedded broker
(or a given one), the three services under a Supervisor, sites on loopback, free ports.

Test tooling: it lives outside the ``newswire`` package, so the wheel does not ship it."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
from aiohttp import web

from newswire.broker import start_embedded_broker
from newswire.demo import SiteServer
from newswire.settings import KafkaSettings, Settings
from newswire.submit import submit_urls
from newswire.supervisor import Supervisor

__all__ = ["Pipeline", "PipelineLike", "Poller", "Sites", "free_port", "pipeline_env", "readyz",
           "running_pipeline", "serve", "settings_from", "start_pipeline", "stop_process",
           "wait_ready"]


class PipelineLike(Protocol):
    settings: Settings
    supervisor: Supervisor

    @property
    def api(self) -> str: ...


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def readyz(settings: Settings, service: str, timeout: float = 2.0) -> bool:
    url = settings.metrics_urls()[service].removesuffix("/metrics") + "/readyz"
    try:
        return httpx.get(url, timeout=timeout, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


class Poller:
    """Calls ``supervisor.poll()`` every ``interval`` seconds from a thread (restarts dead
    children while the test does something else)."""

    def __init__(self, supervisor: Supervisor, interval: float = 0.25) -> None:
        self.supervisor = supervisor
        self.interval = interval
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.supervisor.poll()
            except BaseException as exc:  # noqa: BLE001 - re-raised by the owner
                self.error = exc
                return
            self._stop.wait(self.interval)

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)


class Sites:
    """One aiohttp app per loopback address (127.0.0.2, .3, ...): several "domains", so URL
    topics (keyed by domain) spread over several partitions."""

    def __init__(self, make_app: Any, hosts: int = 4, first: int = 2) -> None:
        self.servers = [SiteServer(make_app(), host=f"127.0.0.{first + i}")
                        for i in range(hosts)]
        self.bases: list[str] = []

    def __enter__(self) -> list[str]:
        self.bases = [s.start() for s in self.servers]
        return self.bases

    def __exit__(self, *_: object) -> None:
        for s in self.servers:
            s.stop()


def pipeline_env(servers: str, data_dir: Path, *, namespace: str = "t",
                 log_level: str = "info", **extra: str) -> dict[str, str]:
    """The pipeline's environment for a test run: this process's environment less every
    ``NEWSWIRE_`` variable, fresh loopback ports, a unique topic namespace, ``extra`` last."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update({
        "NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS": servers,
        "NEWSWIRE_KAFKA__IDEMPOTENCE": "false",
        "NEWSWIRE_KAFKA__NAMESPACE": f"{namespace}{uuid.uuid4().hex[:8]}.",
        "NEWSWIRE_DATA_DIR": str(data_dir),
        "NEWSWIRE_API__PORT": str(free_port()),
        "NEWSWIRE_INGEST__METRICS_PORT": str(free_port()),
        "NEWSWIRE_EXTRACT__METRICS_PORT": str(free_port()),
        "NEWSWIRE_STORE__METRICS_PORT": str(free_port()),
        "NEWSWIRE_INGEST__ALLOW_NETWORKS": "127.0.0.0/8",
        "NEWSWIRE_INGEST__PER_DOMAIN_RPS": "0",  # politeness off: a few loopback hosts
        "NEWSWIRE_INGEST__TOTAL_TIMEOUT": "10",
        "NEWSWIRE_INGEST__RETRIES": "1",
        "NEWSWIRE_EXTRACT__WORKERS": "2",
        "NEWSWIRE_LOG_LEVEL": log_level,
    })
    env.update(extra)
    return env


def settings_from(env: dict[str, str]) -> Settings:
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        return Settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass
class Pipeline:
    """The three services under a Supervisor, and the broker when this object started it."""

    settings: Settings
    env: dict[str, str]
    supervisor: Supervisor
    broker: subprocess.Popen[bytes] | None = None
    data_dir: Path = field(default_factory=Path)

    @property
    def api(self) -> str:
        return f"http://{self.settings.api.host}:{self.settings.api.port}"

    def submit(self, *urls: str) -> None:
        """`newswire submit`, in process: every URL accepted and acknowledged."""
        result = asyncio.run(submit_urls(self.settings, urls))
        assert not result.rejected and len(result.submitted) == len(urls)

    def wait_for(self, url: str, timeout: float = 60) -> dict[str, object]:
        """Poll the API until the URL is accounted for (stored or failed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            resp = httpx.get(f"{self.api}/articles", params={"url": url}, timeout=5)
            if resp.status_code == 200:
                return dict(resp.json())
            time.sleep(0.3)
        raise AssertionError(f"{url} not accounted for within {timeout}s")

    def stop(self) -> None:
        self.supervisor.stop()
        if self.broker is not None:
            stop_process(self.broker)


def stop_process(proc: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds; reaped."""
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_ready(api: str, supervisor: Supervisor, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        supervisor.poll()
        try:
            if httpx.get(f"{api}/readyz", timeout=3, trust_env=False).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False


def start_pipeline(servers: str | None = None, data_dir: Path | None = None, *,
                   namespace: str = "t", log_level: str = "info", timeout: float = 120.0,
                   **extra: str) -> Pipeline:
    """Start a broker (unless ``servers`` is given) and the pipeline; wait until ready."""
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="newswire-test-"))
    broker = None
    if servers is None:
        kafka = KafkaSettings(embedded_port=free_port())
        broker = start_embedded_broker(kafka, data_dir / "broker.log")
        servers = kafka.servers
    env = pipeline_env(servers, data_dir, namespace=namespace, log_level=log_level, **extra)
    settings = settings_from(env)
    sup = Supervisor(settings, env=env)
    pipe = Pipeline(settings, env, sup, broker, data_dir)
    try:
        sup.start()
        if not wait_ready(pipe.api, sup, timeout):
            logs = "\n".join(p.read_text()[-3000:] for p in sup.logs.glob("*.log"))
            raise RuntimeError(f"pipeline not ready within {timeout:.0f} s\n{logs}")
    except BaseException:
        pipe.stop()
        raise
    return pipe


@contextmanager
def running_pipeline(servers: str | None = None, data_dir: Path | None = None,
                     **extra: str) -> Iterator[Pipeline]:
    """A pipeline of its own, stopped on exit."""
    pipe = start_pipeline(servers, data_dir, **extra)  # type: ignore[arg-type]  # extra: env
    try:
        yield pipe
    finally:
        pipe.stop()


def serve(app: web.Application, host: str = "127.0.0.1") -> SiteServer:
    server = SiteServer(app, host=host)
    server.start()
    return server
