"""Which addresses the fetcher may connect to (SSRF protection).

User-supplied URLs are resolved first, every resolved address is checked, and the fetcher
then connects to the checked address itself (see transport.py), so DNS cannot answer differently
between check and connect. Refused unless inside an allowed network: loopback, private,
link-local, site-local, CGNAT, multicast, reserved and unspecified ranges, cloud metadata
endpoints, the IPv6 forms that embed such an IPv4 address (IPv4-mapped, NAT64, 6to4), and the
deprecated IPv4-compatible (::/96) and IPv4-translated (::ffff:0:0:0/96) forms whatever they
embed. Ports outside ``allowed_ports`` are refused too, except on an allowed network (the
operator's own hosts, test servers on loopback).

Names are resolved by a Resolver (resolver.py): bounded threads, a timeout per lookup.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from newswire.errors import BlockedAddress, BlockedPort
from newswire.settings import DEFAULT_ALLOWED_PORTS
from services.ingest.resolver import Resolver, default_resolver

__all__ = ["AddressGuard"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "100.100.100.200", "168.63.129.16", "fd00:ec2::254"))
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_SIXTOFOUR = ipaddress.ip_network("2002::/16")
_DEPRECATED_V4 = (ipaddress.ip_network("::/96"), ipaddress.ip_network("::ffff:0:0:0/96"))


def _embedded_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if any(addr in net for net in _NAT64):
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    if addr in _SIXTOFOUR:
        return addr.sixtofour
    return None


def refusal(addr: IPAddress) -> str | None:
    """Why an address is refused, or None when it is a public unicast address."""
    if addr in _METADATA:
        return "cloud metadata address"
    if isinstance(addr, ipaddress.IPv6Address):
        inner = _embedded_ipv4(addr)
        if inner is not None:
            why = refusal(inner)
            return f"IPv6 form of {inner} ({why})" if why else None
    if addr.is_multicast:
        return "multicast address"
    if addr.is_loopback:
        return "loopback address"
    if addr.is_link_local:
        return "link-local address"
    if addr.is_unspecified:
        return "unspecified address"
    if isinstance(addr, ipaddress.IPv6Address):
        if any(addr in net for net in _DEPRECATED_V4):
            return f"deprecated IPv6 form of {ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)}"
        if addr.is_site_local:
            return "site-local address"
    if not addr.is_global:
        return "private or reserved address"
    return None


class AddressGuard:
    def __init__(self, allow_networks: Iterable[str] = (),
                 allowed_ports: Iterable[int] = DEFAULT_ALLOWED_PORTS,
                 resolver: Resolver | None = None) -> None:
        self.allow = [ipaddress.ip_network(n, strict=False) for n in allow_networks]
        self.ports = frozenset(allowed_ports)
        self._resolver = resolver

    def _allowed(self, addr: IPAddress) -> bool:
        return any(addr.version == net.version and addr in net for net in self.allow)

    def check(self, addr: IPAddress, port: int | None = None) -> None:
        if self._allowed(addr):
            return
        why = refusal(addr)
        if why:
            raise BlockedAddress(f"{addr} is a {why}")
        if port is not None and self.ports and port not in self.ports:
            raise BlockedPort(f"port {port} is not an allowed port ({sorted(self.ports)})")

    async def resolve(self, host: str, port: int) -> str:
        """Resolve host and return one address that passed the check; every address the
        name resolves to must pass (a name mixing public and private answers is refused)."""
        try:
            addresses: list[IPAddress] = [ipaddress.ip_address(host.strip("[]"))]
        except ValueError:
            resolver = self._resolver or default_resolver()
            addresses = [ipaddress.ip_address(a) for a in await resolver.addresses(host, port)]
        for addr in addresses:
            self.check(addr, port)
        return str(addresses[0])
