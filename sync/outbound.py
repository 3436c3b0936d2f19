"""Outbound connections to hosts a merchant chose: only public addresses.

A merchant types the Acumatica instance URL (and, with the sandbox, the BigCommerce API root); without
a guard, this server would connect wherever they point it: its own loopback services, the private
network, the cloud metadata service. Every connection the API clients open is checked here *after* DNS
resolution and made to the very address that was checked (so a name that resolves differently on a
second lookup cannot slip through), on every request, including any that follows a redirect.

Refused: every address that is not globally routable (loopback, private, link-local — which holds the
169.254.169.254 metadata service — carrier-grade NAT, reserved, documentation ranges) and multicast.
Allowed anyway: everything while the sandbox is enabled (SANDBOX_ENABLED: it runs on loopback), and
the networks in OUTBOUND_ALLOWED_NETWORKS (e.g. an ERP on the company's private network).

Connections through an HTTP(S)_PROXY are made by the proxy, which must enforce the same rule.

    GuardedAdapter()                     # mounted on each API client's requests.Session
    check_address(host, ip) -> None      # raises BlockedDestination
    network_reason(exc) -> str           # "blocked", "unreachable", "refused", "tls", "timeout"
"""
from __future__ import annotations

import ipaddress
import socket

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError, NewConnectionError


class BlockedDestination(NewConnectionError):
    """A connection refused by policy before any packet was sent to the address."""

    def __init__(self, conn, host: str, address: str, kind: str) -> None:
        self.host, self.address, self.kind = host, address, kind
        super().__init__(conn, f"refused to connect to {host} ({address}): {kind} address")


def address_kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address is refused, in words; None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return "non-public"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local (cloud metadata)"
    if ip.is_private:
        return "private"
    if ip.is_multicast or not ip.is_global:
        return "non-public"
    return None


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in getattr(settings, "OUTBOUND_ALLOWED_NETWORKS", [])]


def check_address(host: str, address: str, conn=None) -> None:
    if settings.SANDBOX_ENABLED:
        return
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    kind = address_kind(ip)
    if kind is None or any(ip in network for network in allowed_networks()):
        return
    raise BlockedDestination(conn, host, address, kind)


class _GuardedConnectionMixin:
    def _new_conn(self) -> socket.socket:
        host = self._dns_host
        try:
            found = socket.getaddrinfo(host, self.port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        addresses = [info[4][0] for info in found]
        for address in addresses:  # every answer must be allowed, not just the first
            check_address(host.rstrip("."), address, self)
        # Connect to the checked address, not the name: a second lookup could answer differently.
        # The name stays in `host` for TLS (SNI and certificate checks use it after this returns).
        self._dns_host = addresses[0]
        try:
            return super()._new_conn()
        finally:
            self._dns_host = host


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": GuardedHTTPConnectionPool,
                                                   "https": GuardedHTTPSConnectionPool}


def guard(session: requests.Session) -> requests.Session:
    for prefix in ("http://", "https://"):
        session.mount(prefix, GuardedAdapter())
    return session


def _chain(exc: BaseException):
    seen = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend([current.__cause__, current.__context__, getattr(current, "reason", None),
                      *(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))])


def blocked_in(exc: BaseException) -> BlockedDestination | None:
    return next((e for e in _chain(exc) if isinstance(e, BlockedDestination)), None)


def network_reason(exc: BaseException) -> str:
    """A short class for a failed connection: blocked, unreachable, refused, tls or timeout."""
    chain = list(_chain(exc))
    if any(isinstance(e, BlockedDestination) for e in chain):
        return "blocked"
    if any(isinstance(e, (requests.exceptions.SSLError,)) for e in chain):
        return "tls"
    if any(isinstance(e, requests.Timeout) or type(e).__name__ in ("ConnectTimeoutError", "ReadTimeoutError")
           for e in chain if not isinstance(e, NewConnectionError)):
        return "timeout"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "Connection refused" in str(exc):
        return "refused"
    return "unreachable"
