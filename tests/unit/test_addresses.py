"""Submission's address screen: which hosts name an address without asking DNS, and which
URLs check_url refuses (the ingest guard's rules, its allowed networks exempt)."""

from __future__ import annotations

import ipaddress

import pytest

from newswire.addresses import host_address
from newswire.errors import BlockedAddress, InvalidUrl
from newswire.submit import check_url


@pytest.mark.parametrize(("host", "address"), [
    ("10.0.0.1", "10.0.0.1"), ("[::1]", "::1"), ("2130706433", "127.0.0.1"),
    ("0x7f000001", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("127.1", "127.0.0.1"),
    ("localhost", "127.0.0.1"), ("Api.LocalHost.", "127.0.0.1"), ("8.8.8.8", "8.8.8.8"),
    ("example.com", None), ("cafe.be", None), ("1e100.net", None), ("localhost.com", None),
])
def test_host_address(host: str, address: str | None) -> None:
    assert host_address(host) == (ipaddress.ip_address(address) if address else None)


def test_check_url_refuses_what_the_guard_refuses_unless_allowed() -> None:
    assert check_url("https://Example.com/a?utm_source=x", []) == "https://example.com/a"
    assert check_url("http://10.0.0.1/", None) == "http://10.0.0.1/"  # no screen asked for
    assert check_url("http://127.0.0.1:8080/x", ["127.0.0.0/8"]) == "http://127.0.0.1:8080/x"
    for url in ("http://10.0.0.1/", "http://169.254.169.254/", "http://[::ffff:10.0.0.1]/",
                "http://localhost:8080/", "http://0x7f.1/"):
        with pytest.raises(BlockedAddress):
            check_url(url, [])
    with pytest.raises(BlockedAddress, match=r"10\.0\.0\.1 is a private or reserved address"):
        check_url("http://10.0.0.1/", ["127.0.0.0/8"])
    with pytest.raises(InvalidUrl):
        check_url("gopher://example.com/", [])
