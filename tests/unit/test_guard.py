from __future__ import annotations

import ipaddress

import pytest

from newswire.errors import BlockedAddress, BlockedPort
from newswire.settings import IngestSettings
from services.ingest.guard import AddressGuard


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
    "100.100.100.200", "168.63.129.16", "100.64.0.1", "0.0.0.0", "224.0.0.1", "239.1.1.1",
    "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "64:ff9b::7f00:1",
    "2002:7f00:1::",
    # deprecated IPv4-compatible (::/96) and IPv4-translated (::ffff:0:0:0/96) forms, site-local
    "::127.0.0.1", "::10.0.0.1", "::8.8.8.8", "::ffff:0:7f00:1", "::ffff:0:808:808",
    "fec0::1", "feff:ffff::1",
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


@pytest.mark.parametrize("port", [22, 25, 6379, 8081, 65535])
async def test_ports_outside_the_allow_list_are_refused(port: int) -> None:
    guard = AddressGuard(IngestSettings().allow_networks, IngestSettings().allowed_ports)
    with pytest.raises(BlockedPort):
        await guard.resolve("93.184.216.34", port)
    with pytest.raises(BlockedPort):
        AddressGuard().check(ipaddress.ip_address("2606:4700::1111"), port)


@pytest.mark.parametrize("port", [80, 443, 8080, 8443])
async def test_default_ports_pass(port: int) -> None:
    assert await AddressGuard().resolve("93.184.216.34", port) == "93.184.216.34"


def test_allowed_ports_setting() -> None:
    assert IngestSettings().allowed_ports == [80, 443, 8080, 8443]
    from_env = IngestSettings.model_validate({"allowed_ports": "443, 8443"})
    assert from_env.allowed_ports == [443, 8443]
    AddressGuard(allowed_ports=[]).check(ipaddress.ip_address("8.8.8.8"), 25)  # empty: any


def test_allowed_networks_are_exempt_from_the_port_list() -> None:
    guard = AddressGuard(["127.0.0.0/8"])
    guard.check(ipaddress.ip_address("127.0.0.1"), 54321)
    with pytest.raises(BlockedPort):
        guard.check(ipaddress.ip_address("8.8.8.8"), 54321)
