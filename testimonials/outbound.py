"""Requests we make to addresses an editor typed (the help-desk webhook): public ``https`` only.

A URL field that takes any ``http(s)`` address lets whoever edits a program make the server call
its own network: ``http://127.0.0.1:5432``, the cloud metadata service at 169.254.169.254, a
name that resolves to 10.0.0.5. So the URL is checked when the editor saves it and again at each
send (DNS can change in between): the name is resolved, every address must be public, and the
connection goes to the address that was checked (TLS still verifies the certificate for the
name). Redirects are not followed (a public host could send us on to an internal one), and every
request has a timeout.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

TIMEOUT_SECONDS = 10
# NAT64 (RFC 6052) embeds an IPv4 address: 64:ff9b::10.0.0.5 is 10.0.0.5 behind a translator.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(Exception):
    """The URL may not be called; ``str(exc)`` says why, for the editor and for the case."""


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    path: str  # path and query, as sent on the request line
    addresses: tuple[str, ...]  # every address the host resolved to, all checked public


def address_problem(address: str) -> str:
    """What kind of address this is when it is not a public one, e.g. "a loopback address"; "" when public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    except ValueError:
        return "not an IP address"
    if ip.version == 6:
        # An IPv4 address wrapped in IPv6 is judged as the IPv4 address it reaches:
        # ::ffff:127.0.0.1 is loopback (Python 3.11's flags do not look inside the wrapper).
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip in NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    for flag, label in (
        ("is_loopback", "a loopback"),
        ("is_link_local", "a link-local"),
        ("is_unspecified", "an unspecified"),
        ("is_multicast", "a multicast"),
        ("is_reserved", "a reserved"),
        ("is_private", "a private"),
    ):
        if getattr(ip, flag):
            return f"{label} address"
    if not ip.is_global:  # e.g. 100.64.0.0/10 (carrier-grade NAT), documentation ranges
        return "not a public address"
    return ""


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (tests replace this to play DNS)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"{host} does not resolve ({exc})") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_url(url: str) -> Target:
    """Resolve and check ``url``; raises ``Refused`` unless it is https to public addresses only."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or 443
    except ValueError:
        raise Refused("not a valid URL") from None
    if parts.scheme.lower() != "https":
        raise Refused("only https:// URLs are allowed")
    if parts.username is not None or parts.password is not None:
        raise Refused("no user name or password in the URL (the body is signed instead)")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise Refused("the URL has no host")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        literal = False
        addresses = resolve(host, port)
    else:
        literal = True
        addresses = [host]  # a literal address: nothing to resolve
    if not addresses:
        raise Refused(f"{host} does not resolve")
    for address in addresses:
        problem = address_problem(address)
        if problem:
            # Any internal address refuses the name: a resolver may hand out either one.
            raise Refused(f"{host} is {problem}" if literal else f"{host} resolves to {address}, {problem}")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(host=host, port=port, path=path, addresses=tuple(addresses))


def validate_public_https_url(url: str) -> None:
    """The editor's check (a model field validator): the same rule as at send time."""
    if not url:
        return
    try:
        check_url(url)
    except Refused as exc:
        raise ValidationError(f"This URL cannot be used: {exc}.", code="unsafe_url") from None


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to ``address``, the one we checked, with TLS (SNI and the certificate
    check) for ``host``: a second DNS answer cannot send the request elsewhere."""

    def __init__(self, host: str, *, address: str, port: int, timeout: float):
        super().__init__(host, port=port, timeout=timeout, context=ssl.create_default_context())
        self._address = address
        # http.client opens its socket through this attribute (set per instance in __init__).
        self._create_connection = self._connect_to_checked_address

    def _connect_to_checked_address(self, host_port, timeout, source_address=None):
        return socket.create_connection((self._address, host_port[1]), timeout, source_address)


def connection(target: Target, address: str, timeout: float) -> http.client.HTTPConnection:
    """The connection a request to ``target`` goes over (tests replace this with a local one)."""
    return PinnedHTTPSConnection(target.host, address=address, port=target.port, timeout=timeout)


@dataclass(frozen=True)
class Reply:
    status: int
    location: str = ""


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float | None = None) -> Reply:
    """POST ``body`` to ``url`` once, after checking it; a redirect is returned, never followed.

    Raises ``Refused`` for a URL that may not be called, ``OSError`` (``TimeoutError`` included)
    when the connection fails.
    """
    target = check_url(url)
    conn = connection(target, target.addresses[0], TIMEOUT_SECONDS if timeout is None else timeout)
    try:
        name = f"[{target.host}]" if ":" in target.host else target.host
        host = name if target.port == 443 else f"{name}:{target.port}"
        try:
            conn.request("POST", target.path, body=body, headers={**headers, "Host": host})
        except http.client.InvalidURL as exc:  # e.g. a space or control character in the path
            raise Refused(f"not a valid URL ({exc})") from None
        reply = conn.getresponse()
        reply.read(64 * 1024)  # a bounded read: we only need the status
        return Reply(status=reply.status, location=reply.getheader("Location", "") or "")
    finally:
        conn.close()
