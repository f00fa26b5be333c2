"""Which reverse proxies are believed: the client's address and the original scheme, behind a proxy or not.

A proxy in front of the server (Caddy in docker-compose.yml) says who the client was in `X-Forwarded-For` and whether
the request came over HTTPS in `X-Forwarded-Proto`. Anyone can send those headers, so they are believed only from a
peer in TRUSTED_PROXIES (addresses or networks; README "Production"):

- `forwarded_client(request)`: REMOTE_ADDR when the peer is not a trusted proxy; otherwise X-Forwarded-For read from
  the right, skipping trusted proxies, the first address that is not one (the client as the outermost trusted proxy
  saw it; whatever the client wrote to the left of it is ignored). The audit log and the login lockout use it.
- `ForwardedHeadersMiddleware`: deletes X-Forwarded-Proto (and -Host, -Port, -For) from a request whose peer is not a
  trusted proxy, before Django's SecurityMiddleware reads SECURE_PROXY_SSL_HEADER: a request sent straight to the
  application server is not taken for HTTPS because it says so.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

__all__ = [
    "FORWARDED_HEADERS",
    "ForwardedHeadersMiddleware",
    "address_in",
    "forwarded_client",
    "is_trusted_proxy",
    "networks_parse",
    "parse_ip",
]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The headers only a trusted proxy may set (as request.META keys).
FORWARDED_HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_FOR")


def parse_ip(value: str | None) -> Address | None:
    """An address as a proxy or the server writes it: `1.2.3.4`, `2001:db8::1`, also `1.2.3.4:5678`, `[2001:db8::1]`
    and `[2001:db8::1]:443`; an IPv4 address written as IPv6 (`::ffff:1.2.3.4`) is the IPv4 one. None for anything
    else (a name, `unknown`, garbage)."""
    text = (value or "").strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # IPv4 with a port; an IPv6 address has at least two colons
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=8)
def networks_parse(values: tuple[str, ...], strict: bool = True) -> tuple[Network, ...]:
    """Addresses and networks as settings list them (`10.0.5.0/24`, `127.0.0.1`), parsed once per list. strict: a
    network with host bits set (`10.0.5.1/24`) is refused rather than widened."""
    return tuple(ipaddress.ip_network(value.strip(), strict=strict) for value in values if value.strip())


def trusted_networks() -> tuple[Network, ...]:
    return networks_parse(tuple(settings.TRUSTED_PROXIES))


def address_in(address: Address | None, networks: Iterable[Network]) -> bool:
    return address is not None and any(address in network for network in networks)


def is_trusted_proxy(address: Address | None, networks: Iterable[Network] | None = None) -> bool:
    return address_in(address, trusted_networks() if networks is None else networks)


def forwarded_client(request: HttpRequest) -> str | None:
    """The client's address (normalised text), or None when the server gave none that is an address."""
    peer = parse_ip(request.META.get("REMOTE_ADDR"))
    networks = trusted_networks()
    if peer is None or not is_trusted_proxy(peer, networks):
        return str(peer) if peer is not None else None
    client = peer
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        if not hop.strip():
            continue
        address = parse_ip(hop)
        if address is None:
            # Not an address: not written by a trusted proxy (each writes the peer it saw), so nothing further left
            # is believed either; the last address believed stands.
            break
        client = address
        if not is_trusted_proxy(address, networks):
            break
    return str(client)


class ForwardedHeadersMiddleware:
    """Drops the forwarding headers of a request that did not come from a trusted proxy. First in MIDDLEWARE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not is_trusted_proxy(parse_ip(request.META.get("REMOTE_ADDR"))):
            for key in FORWARDED_HEADERS:
                request.META.pop(key, None)
        return self.get_response(request)
