from __future__ import annotations

import ipaddress

import pytest

from newswire.errors import BlockedAddress
from services.ingest.guard import AddressGuard


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
    "100.100.100.200", "168.63.129.16", "100.64.0.1", "0.0.0.0", "224.0.0.1", "239.1.1.1",
    "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "64:ff9b::7f00:1",
    "2002:7f00:1::",
])
def test_refused_addresses(address: str) -> None:
    with pytest.raises(BlockedAddress):
        AddressGuard().check(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111",
                                     "::ffff:8.8.8.8", "64:ff9b::808:808"])
def test_public_addresses_pass(address: str) -> None:
    AddressGuard().check(ipaddress.ip_address(address))


def test_allow_networks_exempts_cidrs() -> None:
    guard = AddressGuard(["127.0.0.0/8", "10.1.0.0/16"])
    guard.check(ipaddress.ip_address("127.0.0.1"))
    guard.check(ipaddress.ip_address("10.1.2.3"))
    with pytest.raises(BlockedAddress):
        guard.check(ipaddress.ip_address("10.2.0.1"))


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "017700000001", "127.1",
                                  "localhost"])
async def test_numeric_and_named_forms_of_loopback_are_refused(host: str) -> None:
    with pytest.raises(BlockedAddress):
        await AddressGuard().resolve(host, 80)
