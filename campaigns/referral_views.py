"""The special link itself: ``/r/<code>`` counts a person's visit and sends them to the landing page;
``/r/<code>/qr.png|svg`` is the link as a QR code for the graduate to show or print."""

import io

import segno
from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from campaigns import bots, ratelimit, referrals

VISITOR_COOKIE = "rv"
VISITOR_COOKIE_AGE = 365 * 24 * 3600


def visitor_id(request) -> str:
    """The browser's visitor id, if it is one /r/ handed out (32 letters and digits), else "" (a
    crafted cookie, e.g. one holding a NUL that PostgreSQL refuses, never reaches a query)."""
    visitor = request.COOKIES.get(VISITOR_COOKIE, "")
    return visitor if len(visitor) == 32 and visitor.isalnum() else ""


@require_http_methods(["GET", "HEAD"])
def click(request, code: str):
    """Record the visit (people only, once per browser per day) and redirect — 302, never 301,
    so browsers and proxies come back here every time and every visit can be counted."""
    normalized = referrals.normalize_code(code)
    landing = reverse("referral_landing", args=[normalized or "unknown"])
    # A path we built: nothing from the request decides where it goes. (HttpResponseRedirect, not
    # redirect(): that first tries the path as a URL name, a failed reverse() on every click.)
    response = HttpResponseRedirect(landing)
    if not normalized or bots.is_bot(request):
        return response  # scanners and previews are sent on, never counted, never given a cookie
    visitor = visitor_id(request) or referrals.new_visitor_id()
    client = referrals.click_client(ratelimit.client_ip(request))
    # One statement finds the live link and records the visit (nothing for an unknown or revoked code).
    referrals.click_record_by_code(code=normalized, visitor=visitor, client=client)
    # Secure under SECURE=true (production over HTTPS): the visitor id never travels in clear text.
    # (getattr: SECURE is a production setting; elsewhere the site may be served over plain HTTP.)
    response.set_cookie(
        VISITOR_COOKIE,
        visitor,
        max_age=VISITOR_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(getattr(settings, "SECURE", False)),
    )
    return response


def qr(request, code: str, fmt: str):
    link = referrals.link_by_code(code)
    if link is None or link.revoked_at or fmt not in ("png", "svg"):
        return HttpResponse("Unknown link", status=404, content_type="text/plain")
    symbol = segno.make(referrals.link_url(link.code), error="m")
    buffer = io.BytesIO()
    if fmt == "svg":
        symbol.save(buffer, kind="svg", scale=8, border=2, xmldecl=False)
        content_type = "image/svg+xml"
    else:
        symbol.save(buffer, kind="png", scale=10, border=2)
        content_type = "image/png"
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    response["Content-Disposition"] = f'inline; filename="{link.code}.{fmt}"'
    return response
