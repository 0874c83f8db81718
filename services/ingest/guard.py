"""Which addresses the fetcher may connect to (SSRF protection).

User-supplied URLs are resolved first, every resolved address is checked, and the fetcher
then connects to the checked address itself (see transport.py), so DNS cannot answer differently
between check and connect. Refused unless inside an allowed network: loopback, private,
link-local, site-local, CGNAT, multicast, reserved and unspecified ranges, cloud metadata
endpoints, the IPv6 forms that embed such an IPv4 address (IPv4-mapped, NAT64, 6to4) and the
deprecated IPv4-compatible and IPv4-translated forms: the rules are in newswire/addresses.py,
shared with submission. Ports outside ``allowed_ports`` are refused too, except on an
allowed network (the operator's own hosts, test servers on loopback).

Names are resolved by a Resolver (resolver.py): bounded threads, a timeout per lookup.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from newswire.addresses import IPAddress, refused
from newswire.errors import BlockedAddress, BlockedPort
from newswire.settings import DEFAULT_ALLOWED_PORTS
from services.ingest.resolver import Resolver, default_resolver

__all__ = ["AddressGuard"]


class AddressGuard:
    def __init__(self, allow_networks: Iterable[str] = (),
                 allowed_ports: Iterable[int] = DEFAULT_ALLOWED_PORTS,
                 resolver: Resolver | None = None) -> None:
        self.allow = [ipaddress.ip_network(n, strict=False) for n in allow_networks]
        self.ports = frozenset(allowed_ports)
        self._resolver = resolver

    def check(self, addr: IPAddress, port: int | None = None) -> None:
        why = refused(addr, self.allow)
        if why:
            raise BlockedAddress(why)
        if any(addr.version == net.version and addr in net for net in self.allow):
            return  # an allowed network may use any port
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
