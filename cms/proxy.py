"""Believe ``X-Forwarded-Proto`` only from the reverse proxies in ``TRUSTED_PROXIES``.

Production reads the header (``SECURE_PROXY_SSL_HEADER``) to know a request came over HTTPS: the proxy
terminates TLS and speaks plain HTTP to gunicorn. From anyone else the header is the client's own say,
and a client reaching gunicorn directly could claim HTTPS over plain HTTP (no redirect to HTTPS, secure
cookies sent in clear). With ``TRUSTED_PROXIES`` set, the header is dropped from every request that did
not come from one of them; with it empty, every request's header is believed, as Django does (the
deployment notes in the README say to set it).
"""

from django.conf import settings

from campaigns.ratelimit import is_trusted_proxy


class TrustedProxyHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        self.header = header[0] if header else None

    def __call__(self, request):
        if self.header and settings.TRUSTED_PROXIES and not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            request.META.pop(self.header, None)
        return self.get_response(request)
