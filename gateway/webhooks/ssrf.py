"""Where a webhook may point: an `http`/`https` URL whose host resolves to public addresses only.

Loopback, private (RFC 1918, unique local), link-local (169.254/16, the cloud metadata address
included), carrier-grade NAT, multicast, reserved and unspecified addresses are refused, unless
`RAPPORT_WEBHOOK_ALLOW_PRIVATE=true` (local development and the tests' receiver). The check runs
when a subscription is created and again at every delivery, on the addresses the delivery then
connects to (`public_addresses`), so a name that resolved to a public address at creation and to a
private one later (DNS rebinding) is refused then too.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

SCHEMES = ("http", "https")
MAX_URL = 2000


class UrlRefused(ValueError):
    """The URL is malformed or leads to an address a webhook may not reach (the message says why)."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id is not part of the address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def host_and_port(url: str) -> tuple[str, int]:
    """The URL's host and port; `UrlRefused` for anything but an absolute http(s) URL."""
    if len(url) > MAX_URL:
        raise UrlRefused(f"longer than {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused(f"not a URL: {exc}") from exc
    if parts.scheme not in SCHEMES:
        raise UrlRefused("must be an http:// or https:// URL")
    if not parts.hostname:
        raise UrlRefused("has no host")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("must not carry a user or password (the signature authenticates the sender)")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UrlRefused(f"its host {host!r} does not resolve") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def public_addresses(url: str) -> list[str]:
    """The addresses of the URL's host, every one public; `UrlRefused` when any is not (a host with
    one private address among public ones is refused: which one a client picks is not ours to say)."""
    host, port = host_and_port(url)
    addresses = resolve(host, port)
    private = [a for a in addresses if not is_public(a)]
    if private:
        raise UrlRefused(f"its host {host!r} resolves to a loopback, private or link-local address "
                         f"({private[0]}); set RAPPORT_WEBHOOK_ALLOW_PRIVATE=true to allow it (development only)")
    return addresses


def check(url: str, *, allow_private: bool) -> None:
    """Refuse (`UrlRefused`) a URL a webhook may not point to."""
    if allow_private:
        host_and_port(url)
    else:
        public_addresses(url)
