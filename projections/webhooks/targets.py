"""Which webhook targets may be called: no private, loopback, link-local or other non-global
address, unless the operator allows its network (``WEBHOOKS_ALLOWED_NETWORKS``).

Checked twice: when a subscription is saved (so a mistake is refused up front) and before every
request, because what a name resolves to changes. At delivery the name is resolved once, every
address it gives must be allowed, and the request then goes to that checked address (with the
name kept in the Host header and for TLS), so a second answer from DNS (rebinding) is never
asked for. A name that resolves to any address not allowed is refused whole.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = {"http": 80, "https": 443}


class TargetRefused(Exception):
    """A target URL that may not be called; ``code`` names why (a problem's code)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Target:
    """A checked target: its URL's parts and the one address to connect to."""

    url: SplitResult
    host: str
    port: int
    address: Address


def parse_url(url: str) -> SplitResult:
    """The URL's parts; raises TargetRefused (``invalid_target_url``) for anything but an
    absolute http(s) URL with a host and no user name or password in it."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as error:
        raise TargetRefused("invalid_target_url", f"not a valid URL: {error}") from None
    if parts.port == 0:
        raise TargetRefused("invalid_target_url", "not a valid URL: port 0 reaches nothing")
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise TargetRefused(
            "invalid_target_url", "the target must be an http:// or https:// URL with a host"
        )
    if parts.username is not None or parts.password is not None:
        raise TargetRefused(
            "invalid_target_url",
            "the target URL must not carry a user name or password; the signature"
            " authenticates the sender",
        )
    return parts


def check(url: str) -> Target:
    """Resolve the URL's host and check every address it gives; the first one is to be used.

    Raises TargetRefused: ``invalid_target_url``, ``target_unresolvable`` (no address), or
    ``target_not_allowed`` (an address on a private, loopback, link-local or other non-global
    network that WEBHOOKS_ALLOWED_NETWORKS does not list).
    """
    parts = parse_url(url)
    host = str(parts.hostname)
    port = parts.port or SCHEMES[parts.scheme]
    addresses = lookup(host, port)
    if not addresses:
        raise TargetRefused("target_unresolvable", f"{host} resolves to no address")
    refused = [address for address in addresses if not allowed(address)]
    if refused:
        raise TargetRefused(
            "target_not_allowed",
            f"{host} resolves to {refused[0]}, a non-public address; webhooks are only sent to"
            " public addresses unless WEBHOOKS_ALLOWED_NETWORKS lists its network",
        )
    return Target(url=parts, host=host, port=port, address=addresses[0])


def lookup(host: str, port: int) -> list[Address]:
    """Every address ``host`` resolves to now (a literal address is itself); raises
    TargetRefused (``target_unresolvable``) when the name does not resolve."""
    try:
        return [_canonical(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise TargetRefused("target_unresolvable", f"{host} does not resolve: {error}") from None
    addresses: list[Address] = []
    for *_, sockaddr in found:
        address = _canonical(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
        if address not in addresses:
            addresses.append(address)
    return addresses


def allowed(address: Address) -> bool:
    """Whether a request may go to ``address``: a global unicast one, or one on a network the
    operator listed in WEBHOOKS_ALLOWED_NETWORKS (e.g. ["127.0.0.1/32"] for a local receiver).
    An IPv6 address that carries an IPv4 one (NAT64, 6to4, Teredo) must allow that one too."""
    if any(address in network for network in allowed_networks()):
        return True
    inner = _embedded_ipv4(address)
    if inner is not None and not allowed(inner):
        return False
    return address.is_global and not address.is_multicast


# Prefixes whose last 32 bits are an IPv4 address a gateway or stack may reach: RFC 6052's
# well-known NAT64 prefix, IPv4-translated (RFC 2765) and IPv4-compatible (RFC 4291) addresses.
_IPV4_IN_LAST_32_BITS = [
    ipaddress.ip_network(net) for net in ("64:ff9b::/96", "::ffff:0:0:0/96", "::/96")
]
# RFC 8215's local-use NAT64 prefix places the IPv4 address where the operator chose: refused
# whole unless WEBHOOKS_ALLOWED_NETWORKS lists it.
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")
_ANY_PRIVATE = ipaddress.IPv4Address("10.0.0.0")


def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address in _LOCAL_NAT64:
        return _ANY_PRIVATE
    if any(address in network for network in _IPV4_IN_LAST_32_BITS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    return address.teredo[1] if address.teredo is not None else None


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The networks of WEBHOOKS_ALLOWED_NETWORKS; raises ValueError for a malformed one."""
    return [ipaddress.ip_network(text, strict=False) for text in settings.WEBHOOKS_ALLOWED_NETWORKS]


def _canonical(address: Address) -> Address:
    # ::ffff:10.0.0.1 reaches 10.0.0.1: judge (and connect to) the IPv4 address inside.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
