"""What the command line says about an ordinary failure: one line and an exit code, never a
traceback. The codes (the README's "CLI errors" table lists each situation):

    0    done
    1    done in part: a URL rejected, a file unreadable, a service down (`status`)
    2    bad input: usage, a missing or unreadable file or folder, an invalid setting
    3    the Kafka broker cannot be reached
    4    the store API cannot be reached
    70   an internal error (a bug): the type and message, the traceback only at log level debug
    130  interrupted (Ctrl-C)
"""

from __future__ import annotations

from typing import Any

import httpx
from aiokafka.errors import KafkaError
from pydantic import ValidationError

__all__ = [
    "API_DOWN",
    "BAD_INPUT",
    "BROKER_DOWN",
    "INTERNAL",
    "INTERRUPTED",
    "PARTIAL",
    "describe",
]

PARTIAL, BAD_INPUT, BROKER_DOWN, API_DOWN, INTERNAL, INTERRUPTED = 1, 2, 3, 4, 70, 130


def _setting(error: dict[str, Any]) -> str:
    return "NEWSWIRE_" + "__".join(str(part) for part in error["loc"]).upper()


def describe(exc: BaseException, brokers: str | None) -> tuple[str, int]:
    """The one line (without the ``newswire:`` prefix) and the exit code for a failure."""
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", INTERRUPTED
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"invalid setting {_setting(dict(first))}: {first['msg']}", BAD_INPUT
    if isinstance(exc, KafkaError | TimeoutError) and brokers is not None:
        return (f"cannot reach the Kafka broker at {brokers} ({type(exc).__name__}); is "
                f"`newswire up` running, or is NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS right?",
                BROKER_DOWN)
    if isinstance(exc, httpx.HTTPError):
        try:
            where = str(exc.request.url)
        except RuntimeError:  # an error raised without its request
            where = "the store API"
        return f"cannot reach {where}: {exc or type(exc).__name__}", API_DOWN
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {(exc.strerror or str(exc)).lower()}", BAD_INPUT
    return f"internal error: {type(exc).__name__}: {exc}", INTERNAL
