"""`newswire up`: the embedded broker (unless a cluster is configured), topics, and the three
services as child processes, each restarted when it dies."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from newswire.broker import start_embedded_broker
from newswire.kafka import ensure_topics, wait_for_broker
from newswire.settings import Settings
from newswire.topics import Topics

__all__ = ["SERVICES", "Supervisor"]

log = logging.getLogger(__name__)
SERVICES = ("ingest", "extract", "store")


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = 0.0
    backoff: float = 0.5
    log_path: Path = field(default_factory=Path)


class Supervisor:
    def __init__(self, settings: Settings, env: dict[str, str] | None = None,
                 services: tuple[str, ...] = SERVICES) -> None:
        self.settings = settings
        self.env = dict(os.environ if env is None else env)
        self.broker: subprocess.Popen[bytes] | None = None
        self.children = {name: Child(name) for name in services}
        self.logs = settings.data_dir / "logs"
        self._stopping = False

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        kafka = self.settings.kafka
        if kafka.embedded:
            self.broker = start_embedded_broker(kafka, self.logs / "broker.log")
            print(f"embedded Kafka-protocol broker (Tansu) on {kafka.servers}", flush=True)
        asyncio.run(self._prepare())
        # Children find the broker the same way, embedded or not.
        self.env["NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS"] = kafka.servers
        if kafka.embedded and kafka.idempotence is None:
            self.env["NEWSWIRE_KAFKA__IDEMPOTENCE"] = "false"
        self.env["NEWSWIRE_DATA_DIR"] = str(self.settings.data_dir.resolve())
        for child in self.children.values():
            self._spawn(child)

    async def _prepare(self) -> None:
        await wait_for_broker(self.settings.kafka)
        await ensure_topics(self.settings.kafka, Topics(self.settings.kafka.namespace))

    def _spawn(self, child: Child) -> None:
        child.log_path = self.logs / f"{child.name}.log"
        with open(child.log_path, "ab") as out:  # the child keeps its own descriptor
            child.proc = subprocess.Popen(
                [sys.executable, "-m", "newswire.cli", "service", child.name],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        child.started_at = time.monotonic()
        log.info("started %s (pid %s)", child.name, child.proc.pid)

    def pids(self) -> dict[str, int]:
        return {n: c.proc.pid for n, c in self.children.items() if c.proc is not None}

    def poll(self) -> None:
        """Restart any child that exited (with backoff if it keeps crashing)."""
        if self._stopping:
            return
        if self.broker is not None and self.broker.poll() is not None:
            raise RuntimeError("the embedded broker exited; its data (memory only) is gone")
        for child in self.children.values():
            if child.proc is None or child.proc.poll() is None:
                continue
            code = child.proc.returncode
            uptime = time.monotonic() - child.started_at
            child.backoff = 0.5 if uptime > 30 else min(child.backoff * 2, 10.0)
            if uptime < child.backoff:
                continue
            child.restarts += 1
            print(f"{child.name} exited with {code}; restarting (restart #{child.restarts}, "
                  f"log: {child.log_path})", file=sys.stderr, flush=True)
            self._spawn(child)

    def stop(self) -> None:
        self._stopping = True
        for child in self.children.values():
            if child.proc is not None and child.proc.poll() is None:
                child.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in self.children.values():
            if child.proc is None:
                continue
            try:
                child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
        if self.broker is not None:
            self.broker.terminate()
            try:
                self.broker.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.broker.kill()
                self.broker.wait()

    def run_forever(self) -> None:
        stop = {"now": False}

        def _stop(*_: object) -> None:
            stop["now"] = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        try:
            while not stop["now"]:
                self.poll()
                time.sleep(0.5)
        finally:
            self.stop()
