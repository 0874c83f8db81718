"""Which addresses the fetcher may connect to (SSRF protection).

User-supplied URLs are resolved first, every resolved address is checked, and the fetcher
then connects to the checked address itself (see fetch.py), so DNS cannot answer differently
between check and connect. Refused unless inside an allowed network: loopback, private,
link-local, CGNAT, multicast, reserved and unspecified ranges, cloud metadata endpoints, and the
IPv6 forms that embed such an IPv4 address (IPv4-mapped, NAT64, 6to4): the rules are in
newswire/addresses.py, shared with submission.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable

from newswire.addresses import IPAddress, refused
from newswire.errors import BlockedAddress, FetchError

__all__ = ["AddressGuard"]


class AddressGuard:
    def __init__(self, allow_networks: Iterable[str] = ()) -> None:
        self.allow = [ipaddress.ip_network(n, strict=False) for n in allow_networks]

    def check(self, addr: IPAddress) -> None:
        why = refused(addr, self.allow)
        if why:
            raise BlockedAddress(why)

    async def resolve(self, host: str, port: int) -> str:
        """Resolve host and return one address that passed the check; every address the
        name resolves to must pass (a name mixing public and private answers is refused)."""
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
            addresses: list[IPAddress] = [literal]
        except ValueError:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (socket.gaierror, UnicodeError) as exc:
                raise FetchError(f"cannot resolve {host!r}: {exc}") from None
            addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
            if not addresses:
                raise FetchError(f"{host!r} resolves to no address")
        for addr in addresses:
            self.check(addr)
        return str(addresses[0])
