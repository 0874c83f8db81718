"""Which network addresses the pipeline refuses to fetch from (SSRF rules), as pure functions.

The ingest guard (services/ingest/guard.py) applies them to every address a host resolves to
before it connects; submission applies them up front to hosts that are addresses already
(``http://10.0.0.1/``, ``http://2130706433/``, ``http://localhost/``), so a refused URL is
reported to whoever submitted it instead of failing later in the fetcher.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

__all__ = ["IPAddress", "host_address", "refusal", "refused"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "100.100.100.200", "168.63.129.16", "fd00:ec2::254"))
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_SIXTOFOUR = ipaddress.ip_network("2002::/16")
# deprecated IPv4-compatible (::/96) and IPv4-translated (::ffff:0:0:0/96) forms: refused
# whatever they embed
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


def refused(addr: IPAddress, allow: Iterable[Network]) -> str | None:
    """"<addr> is a <why>" unless the address is public or inside an allowed network."""
    if any(addr.version == net.version and addr in net for net in allow):
        return None
    why = refusal(addr)
    return f"{addr} is a {why}" if why else None


def host_address(host: str) -> IPAddress | None:
    """The address a URL's host names without asking DNS: an IP literal (also the legacy IPv4
    spellings resolvers accept: ``2130706433``, ``0x7f000001``, ``0177.0.0.1``, ``127.1``) or a
    ``localhost`` name (RFC 6761); None for any other host name."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return ipaddress.IPv4Address("127.0.0.1")
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None
