"""Fixtures of the store tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from newswire.demo import SiteServer
from tests.store.outlets import COURIER, GAZETTE, REPRINT, outlet_app


@pytest.fixture(scope="module")
def outlets() -> Iterator[dict[str, str]]:
    """The article URL of each outlet, each outlet on its own loopback host."""
    servers = [(o, SiteServer(outlet_app(o), host=host))
               for o, host in ((GAZETTE, "127.0.0.1"), (COURIER, "127.0.0.2"),
                               (REPRINT, "127.0.0.3"))]
    urls = {o.slug: s.start() + o.path for o, s in servers}
    try:
        yield urls
    finally:
        for _, s in servers:
            s.stop()
