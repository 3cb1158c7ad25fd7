"""Integrations → Platform connections: each platform's webhook URL, whether its secret is set, its last
event, and Rotate (POST, CSRF, a confirm) for the platforms whose URL carries a token."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from integrations.models import PlatformToken
from tests.integrations.platform_helpers import fixture, map_program

pytestmark = pytest.mark.django_db

PAGE = "/admin/integrations/connections/"


def test_the_page_shows_each_platform_its_url_secret_and_last_event(admin_client, send, program, settings):
    settings.THINKIFIC_WEBHOOK_SECRET = ""
    map_program(program)
    send("stripe", "checkout.session.completed")
    html = admin_client.get(PAGE).content.decode()
    assert "/api/v1/webhooks/stripe</code>" in html and "/api/v1/webhooks/thinkific</code>" in html
    assert "STRIPE_WEBHOOK_SECRET is set" in html
    assert "Set THINKIFIC_WEBHOOK_SECRET: until then the webhook answers 503." in html
    assert "/api/v1/webhooks/teachable/&lt;token: shown once, when made&gt;" in html
    assert "No URL yet" in html and "Make URL" in html
    assert "checkout.session.completed: Processed" in html
    assert 'onsubmit="return window.confirm(' in html and "csrfmiddlewaretoken" in html
    menu = admin_client.get("/admin/").content.decode()
    assert "Platform connections" in menu


def test_making_then_rotating_a_url(admin_client, send, program):
    first = admin_client.post("/admin/integrations/connections/kajabi/rotate/").content.decode()
    assert "Copy it now: it is not shown again." in first
    token = first.split("/api/v1/webhooks/kajabi/")[1].split("<")[0]
    stored = PlatformToken.objects.get(source="kajabi")
    assert token not in stored.token_sha256 and stored.rotated_by == "admin:alice"
    again = admin_client.get(PAGE).content.decode()
    assert token not in again and "Rotate" in again and "by admin:alice" in again
    map_program(program)
    assert send.raw("kajabi", fixture("kajabi", "purchase.created"), token=token).status_code == 202
    admin_client.post("/admin/integrations/connections/kajabi/rotate/")
    assert send.raw("kajabi", fixture("kajabi", "purchase"), token=token).status_code == 401


def test_rotate_needs_post_csrf_and_the_permission(client, admin_user, django_user_model):
    assert Client().get(PAGE).status_code == 302  # signed out: the login page
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    assert strict.post("/admin/integrations/connections/teachable/rotate/").status_code == 403
    assert strict.get("/admin/integrations/connections/teachable/rotate/").status_code == 405
    viewer = django_user_model.objects.create_user("vic", password="pw-vic-12345")
    group = Group.objects.create(name="Viewers")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_inboundevent")
    )
    viewer.groups.add(group)
    client.force_login(viewer)
    page = client.get(PAGE)
    assert page.status_code == 200 and "Make URL" not in page.content.decode()
    denied = client.post("/admin/integrations/connections/teachable/rotate/")
    assert denied.status_code in (302, 403) and not PlatformToken.objects.exists()
    # Stripe and Thinkific sign with a setting: there is no token of theirs to rotate.
    assert client.post("/admin/integrations/connections/stripe/rotate/").status_code in (302, 403)
