"""Shared fixtures: a real embedded broker, a real pipeline of child processes, a real site."""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from newswire.broker import start_embedded_broker
from newswire.demo import SiteServer
from newswire.demo.site import site_app
from newswire.settings import KafkaSettings, Settings
from newswire.submit import submit_urls
from newswire.supervisor import Supervisor


@pytest.fixture
def collect_leftovers() -> Iterator[None]:
    yield
    gc.collect()  # inside the test, where its warning filters apply


# A Faust app that is never started leaves the event loops and socketpairs it created behind.
UNSTARTED_FAUST_APPS = [
    pytest.mark.filterwarnings("ignore::ResourceWarning",
                               "ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.usefixtures("collect_leftovers"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One embedded Tansu broker for the whole test session (topics are namespaced)."""
    kafka = KafkaSettings(embedded_port=free_port())
    proc = start_embedded_broker(kafka, tmp_path_factory.mktemp("broker") / "broker.log")
    try:
        yield kafka.servers
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Pipeline:
    settings: Settings
    env: dict[str, str]
    supervisor: Supervisor

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


def pipeline_env(broker: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update({
        "NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS": broker,
        "NEWSWIRE_KAFKA__IDEMPOTENCE": "false",
        "NEWSWIRE_KAFKA__NAMESPACE": f"t{uuid.uuid4().hex[:8]}.",
        "NEWSWIRE_DATA_DIR": str(data_dir),
        "NEWSWIRE_API__PORT": str(free_port()),
        "NEWSWIRE_INGEST__METRICS_PORT": str(free_port()),
        "NEWSWIRE_EXTRACT__METRICS_PORT": str(free_port()),
        "NEWSWIRE_STORE__METRICS_PORT": str(free_port()),
        "NEWSWIRE_INGEST__ALLOW_NETWORKS": "127.0.0.0/8",
        "NEWSWIRE_INGEST__PER_DOMAIN_RPS": "0",
        "NEWSWIRE_INGEST__TOTAL_TIMEOUT": "10",
        "NEWSWIRE_INGEST__RETRIES": "1",
        "NEWSWIRE_EXTRACT__WORKERS": "2",
        "NEWSWIRE_LOG_LEVEL": "info",
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


def start_pipeline(broker: str, data_dir: Path, **extra: str) -> Pipeline:
    env = pipeline_env(broker, data_dir, **extra)
    settings = settings_from(env)
    sup = Supervisor(settings, env=env)
    sup.start()
    pipe = Pipeline(settings, env, sup)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        sup.poll()
        try:
            if httpx.get(f"{pipe.api}/readyz", timeout=3).status_code == 200:
                return pipe
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    sup.stop()
    logs = "\n".join(p.read_text()[-3000:] for p in sup.logs.glob("*.log"))
    raise AssertionError(f"pipeline not ready within 90 s\n{logs}")


@contextmanager
def running_pipeline(broker: str, data_dir: Path, **extra: str) -> Iterator[Pipeline]:
    """A pipeline of its own, stopped on exit."""
    pipe = start_pipeline(broker, data_dir, **extra)
    try:
        yield pipe
    finally:
        pipe.supervisor.stop()


@pytest.fixture(scope="session")
def pipeline(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    with running_pipeline(broker, tmp_path_factory.mktemp("pipeline")) as pipe:
        yield pipe


@pytest.fixture(scope="session")
def news_site() -> Iterator[str]:
    server = SiteServer(site_app())
    base = server.start()
    try:
        yield base
    finally:
        server.stop()
