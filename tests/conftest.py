"""Shared fixtures: a real embedded broker, a real pipeline of child processes, a real site."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from newswire.broker import start_embedded_broker
from newswire.demo import SiteServer
from newswire.demo.site import site_app
from newswire.settings import KafkaSettings
from tests.tools.pipeline import (  # re-exported: tests import them from here
    Pipeline,
    free_port,
    pipeline_env,
    running_pipeline,
    start_pipeline,
    stop_process,
)

__all__ = ["UNSTARTED_FAUST_APPS", "Pipeline", "free_port", "pipeline_env", "running_pipeline",
           "start_pipeline"]


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


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One embedded Tansu broker for the whole test session (topics are namespaced)."""
    kafka = KafkaSettings(embedded_port=free_port())
    proc = start_embedded_broker(kafka, tmp_path_factory.mktemp("broker") / "broker.log")
    try:
        yield kafka.servers
    finally:
        stop_process(proc, 5)


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
