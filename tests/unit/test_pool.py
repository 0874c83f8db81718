"""The parser pool's processes must not outlive, or hold the port of, a SIGKILLed service."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.tools.pipeline import free_port

ROOT = Path(__file__).resolve().parents[2]

SERVICE = textwrap.dedent("""
    import asyncio, socket, sys, time
    from services.extract.pool import ParserPool

    def slow():
        time.sleep(30)

    def pid():
        import os
        return os.getpid()

    async def main():
        pool = ParserPool(1, memory_mb=0)
        await pool.run(pid, budget=30)               # first worker: forked before the listener
        listener = socket.socket()
        listener.bind(("127.0.0.1", int(sys.argv[1])))
        listener.listen()
        try:
            await pool.run(slow, budget=0.5)         # over budget: the worker is replaced...
        except Exception as exc:
            print("timeout", type(exc).__name__, flush=True)
        worker = await pool.run(pid, budget=30)      # ...by one forked after the listener
        print("worker", worker, flush=True)
        busy = asyncio.ensure_future(pool.run(slow, budget=60))  # keep the worker busy
        await asyncio.sleep(60)

    asyncio.run(main())
""")


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_sigkilled_service_leaves_no_parser_process_and_its_port_free() -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVICE, str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline().strip() for _ in range(2)]  # type: ignore[union-attr]
        assert lines[0] == "timeout ExtractionTimeout", lines
        worker = int(lines[1].split()[1])
        assert _alive(worker)
        time.sleep(0.3)  # the worker is now inside slow()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)
        deadline = time.monotonic() + 3
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(worker), "parser process outlived its SIGKILLed service"
        with socket.socket() as again:  # the restarted service can bind its port at once
            again.bind(("127.0.0.1", port))
            again.listen()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        proc.stdout.close()  # type: ignore[union-attr]
