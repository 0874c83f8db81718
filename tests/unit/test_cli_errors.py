"""The real `newswire` command in a subprocess, pointed at closed ports and missing files:
every ordinary failure is one line on stderr with the README's exit code, never a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from newswire.cli_errors import (
    API_DOWN,
    BAD_INPUT,
    BROKER_DOWN,
    INTERNAL,
    INTERRUPTED,
    PARTIAL,
    describe,
)
from tests.conftest import free_port, pipeline_env


def _env(broker: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """Every port the CLI talks to is closed unless ``broker`` is a live one."""
    return pipeline_env(broker, tmp_path, NEWSWIRE_LOG_LEVEL="warning", **extra)


def _newswire(env: dict[str, str], *args: str, stdin: str = ""
              ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "newswire.cli", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=60, cwd=os.getcwd())
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def closed(tmp_path: Path) -> dict[str, str]:
    return _env(f"127.0.0.1:{free_port()}", tmp_path)


def test_version(closed: dict[str, str]) -> None:
    proc = _newswire(closed, "--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == "newswire 0.1.0"


@pytest.mark.parametrize("args", [("submit", "https://example.com/news/a"),
                                  ("tail", "news.url.submitted", "-e")])
def test_broker_unreachable_is_one_line_and_exit_3(closed: dict[str, str],
                                                   args: tuple[str, ...]) -> None:
    proc = _newswire(closed, *args)
    broker = closed["NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS"]
    assert proc.returncode == BROKER_DOWN == 3
    assert proc.stderr.splitlines() == [
        f"newswire: cannot reach the Kafka broker at {broker} (KafkaConnectionError); is "
        "`newswire up` running, or is NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS right?"]


def test_status_with_everything_down_exits_3(closed: dict[str, str]) -> None:
    proc = _newswire(closed, "status")
    broker = closed["NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS"]
    assert proc.returncode == BROKER_DOWN
    assert proc.stderr.splitlines() == [
        f"newswire status: down: broker {broker}, ingest, extract, store, store API"]
    assert "store API: not reachable" in proc.stdout  # the table is still printed


@pytest.mark.integration
def test_status_with_the_broker_up_but_services_and_api_down_exits_1(
        broker: str, tmp_path: Path) -> None:
    proc = _newswire(_env(broker, tmp_path), "status", "--json")
    assert proc.returncode == PARTIAL == 1
    assert proc.stderr.splitlines() == [
        "newswire status: down: ingest, extract, store, store API"]


def test_bad_url_is_rejected_with_its_reason_and_exit_1(closed: dict[str, str]) -> None:
    proc = _newswire(closed, "submit", "notaurl")
    assert proc.returncode == PARTIAL
    assert proc.stderr.splitlines() == [
        "newswire submit: rejected 'notaurl': not an http(s) URL: 'notaurl'",
        "submitted 0 URL(s), rejected 1"]


def test_missing_files_exit_2(closed: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    proc = _newswire(closed, "eval", "checkworthiness", str(missing))
    assert proc.returncode == BAD_INPUT == 2
    assert proc.stderr.splitlines() == [f"newswire: {missing}: no such file or directory"]
    proc = _newswire(closed, "eval", "extraction", str(tmp_path / "no-such-dir"))
    assert proc.returncode == BAD_INPUT
    assert proc.stderr.splitlines() == [
        f"newswire: {tmp_path / 'no-such-dir' / 'ground-truth.json'}: no such file or directory"]


def test_unreadable_claims_file_exits_1_after_the_others(closed: dict[str, str],
                                                         tmp_path: Path) -> None:
    good = tmp_path / "a.txt"
    good.write_text('"We will win," said Ann Lee.')
    proc = _newswire(closed, "claims", str(tmp_path / "missing.txt"), str(good))
    assert proc.returncode == PARTIAL
    assert proc.stderr.splitlines() == [
        f"claims: {tmp_path / 'missing.txt'}: No such file or directory"]
    assert f'"file": "{good}"' in proc.stdout


def test_invalid_setting_exits_2(tmp_path: Path) -> None:
    env = _env(f"127.0.0.1:{free_port()}", tmp_path, NEWSWIRE_API__PORT="eighty")
    proc = _newswire(env, "status")
    assert proc.returncode == BAD_INPUT
    assert proc.stderr.splitlines() == [
        "newswire: invalid setting NEWSWIRE_API__PORT: Input should be a valid integer, "
        "unable to parse string as an integer"]


def test_unknown_command_is_a_usage_error(closed: dict[str, str]) -> None:
    proc = _newswire(closed, "frobnicate")
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1].startswith("newswire: error: argument command: ")


def test_store_api_unreachable_and_internal_errors_are_described() -> None:
    port = free_port()
    with pytest.raises(httpx.ConnectError) as refused:
        httpx.get(f"http://127.0.0.1:{port}/stats", timeout=2)
    message, code = describe(refused.value, "b:9092")
    assert code == API_DOWN == 4
    assert message.startswith(f"cannot reach http://127.0.0.1:{port}/stats: ")
    assert describe(ZeroDivisionError("division by zero"), "b:9092") == (
        "internal error: ZeroDivisionError: division by zero", INTERNAL)


def test_ctrl_c_is_one_line_and_exit_130(closed: dict[str, str]) -> None:
    """`newswire submit -` reads URLs from stdin until it ends: Ctrl-C while it waits ends it
    with the README's line and code, no traceback. (`tail` and `status --watch` follow until
    interrupted, so for them Ctrl-C is the normal end: exit 0.)"""
    proc = subprocess.Popen([sys.executable, "-m", "newswire.cli", "submit", "-"], env=closed,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=os.getcwd())
    try:
        time.sleep(3)  # started and waiting on stdin
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in stderr, stderr
    assert proc.returncode == INTERRUPTED == 130
    assert stderr.splitlines() == ["newswire: interrupted"]
