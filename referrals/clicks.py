"""A visit through a special link: who the visitor is (the browser's id, its network), whether it is a
person, and recording it with the click's one statement (``ReferralClick.objects.record``), the same
for the view, the simulation and the benchmark."""

import ipaddress
import uuid
from datetime import datetime

from django.utils.crypto import salted_hmac

from campaigns import bots
from referrals.models import ReferralClick

VISITOR_COOKIE = "rv"
VISITOR_COOKIE_AGE = 365 * 24 * 3600


def visitor_id(request) -> str:
    """The browser's visitor id, if it is one /r/ handed out (32 letters and digits), else "" (a
    crafted cookie, e.g. one holding a NUL that PostgreSQL refuses, never reaches a query)."""
    visitor = request.COOKIES.get(VISITOR_COOKIE, "")
    return visitor if len(visitor) == 32 and visitor.isalnum() else ""


def new_visitor_id() -> str:
    return uuid.uuid4().hex


def click_client(address: str) -> str:
    """Who a click came from, as far as the network tells: a keyed hash of the client's IPv4 address or
    IPv6 /64 (one line or one home: a device takes any address in its /64 at will), "" when there is
    no address. Keyed with SECRET_KEY, so the stored value cannot be turned back into an address by
    hashing every address there is; cut to 16 hex digits, plenty to tell a link's visitors apart."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ip.ipv4_mapped or ipaddress.ip_network(f"{ip}/64", strict=False).network_address
    return salted_hmac("campaigns.click-client", ip.packed).hexdigest()[:16]


def visit_record(
    *, code: str, visitor: str, method: str, user_agent: str, client: str = "", now: datetime | None = None
) -> bool:
    """A visit through the link ``code`` (already normalized): counted only for people (see
    campaigns/bots.py), once per browser per day. Returns whether it was recorded."""
    if bots.is_bot_visit(method=method, user_agent=user_agent):
        return False
    return ReferralClick.objects.record(code=code, visitor=visitor, client=client, now=now)
