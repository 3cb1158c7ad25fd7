"""X-Forwarded-Proto says a request came over HTTPS: once TRUSTED_PROXIES is set, only they may say it."""

import sys

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from cms.proxy import TrustedProxyHeadersMiddleware


@pytest.fixture
def behind_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = ["10.0.0.5", "172.16.0.0/12"]


def secure(remote_addr: str) -> bool:
    request = RequestFactory().get("/", REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_PROTO="https")
    seen = {}

    def view(request):
        seen["secure"] = request.is_secure()
        return HttpResponse()

    TrustedProxyHeadersMiddleware(view)(request)
    return seen["secure"]


def test_a_trusted_proxy_may_say_https(behind_proxy):
    assert secure("10.0.0.5") and secure("172.16.3.4")


def test_anyone_else_claiming_https_is_not_believed(behind_proxy):
    """Before: a client reaching gunicorn directly sent X-Forwarded-Proto: https over plain HTTP, and was
    neither redirected to HTTPS nor kept from having secure cookies sent in clear."""
    assert not secure("203.0.113.9")
    assert not secure("not-an-address")


def test_without_trusted_proxies_every_header_is_believed_as_django_does(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = []
    assert secure("203.0.113.9")


def test_production_puts_it_first():
    from tests.cms.test_settings_errors import PRODUCTION, run

    read = "import django; django.setup(); from django.conf import settings; print(settings.MIDDLEWARE[0])"
    result = run([sys.executable, "-c", read], **PRODUCTION)
    assert result.stdout.strip() == "cms.proxy.TrustedProxyHeadersMiddleware", result.stderr
