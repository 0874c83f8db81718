"""The service's log level is the level that reaches the root logger: records below it are
never built (Faust's terminal spinner used to set the root logger to DEBUG)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswire.service import ServiceRuntime
from newswire.settings import Settings


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.setLevel(level)
    root.handlers[:] = handlers


@pytest.mark.parametrize("level", ["warning", "error", "info"])
def test_the_root_logger_keeps_the_configured_level(
        level: str, tmp_path: Path, restore_logging: None) -> None:
    settings = Settings(log_level=level, data_dir=tmp_path)
    runtime = ServiceRuntime("ingest", settings, "127.0.0.1", 0)
    loop = asyncio.new_event_loop()
    try:
        worker = runtime.worker(loop)
        worker.redirect_stdouts = False
        worker._setup_logging()  # what the worker does first when it starts
        assert logging.getLogger().level == getattr(logging, level.upper())
        assert not logging.getLogger("httpcore.http11").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("newswire.stage").isEnabledFor(logging.DEBUG)
    finally:
        loop.close()
