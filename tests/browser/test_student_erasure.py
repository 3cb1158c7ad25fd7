"""The creator erases a student from the admin; afterwards no admin list, email, or public page (the
hub, the landing page /join/<code>/, the testimonial wall) shows their name or address."""

import pytest
from django.test import Client

from mailers.models import Message
from testimonials.models import Consent
from testimonials.pages import TestimonialWallPage as WallPage
from tests.browser.test_testimonial_wall import admin_login
from tests.factories import home_page, program_page
from tests.referrals.graduates import confirm, make_link, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GRADUATE = "maria.lopez@example.org"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_creator_erases_a_graduate_and_no_trace_is_left(desktop, phone, live_server, admin_user):
    from campaigns import links

    program = program_page(slug="calm", title="Calm Mornings")
    wall = WallPage(title="What graduates say", slug="stories")
    home_page().add_child(instance=wall)
    wall.save_revision().publish()
    link = make_link(program, email=GRADUATE, consent=Consent.FULL)
    client = Client()
    register(client, link, first_name="Zephyrine", last_name="Quillfeather", email="zephyrine.q@example.org")
    confirm(client, email="zephyrine.q@example.org")
    graduate = link.student
    her_hub = links.hub_path(graduate.pk)
    public = [f"{live_server.url}/stories/", f"{live_server.url}/join/{link.code}/"]
    phone.goto(public[0])
    assert "Maria Lopez" in phone.inner_text("main")  # the check can see her before
    phone.goto(public[1])
    assert "Maria" in phone.inner_text("main")

    admin_login(desktop, live_server.url)
    desktop.goto(f"{live_server.url}/admin/students/inspect/{graduate.pk}/")
    desktop.click("text=Erase…")
    desktop.click("button:has-text('Erase this student')")  # no reason yet: the page says why
    assert "required" in desktop.wait_for_selector(".error-message").inner_text()
    desktop.fill("textarea[name=reason]", "She asked by email on 2 December")
    desktop.click("button:has-text('Erase this student')")
    desktop.wait_for_selector(".messages .success")
    assert "is erased" in desktop.inner_text(".messages")

    lists = ["students", "enrollments", "journey", "mail/messages", "mail/contacts", "referral-links", "friends"]
    lists += ["conversions", "testimonials", "support-cases", "integrations/events", "integrations/purchases"]
    for path in [*lists, f"students/inspect/{graduate.pk}"]:
        desktop.goto(f"{live_server.url}/admin/{path}/")
        text = desktop.content()
        assert GRADUATE not in text and "Lopez" not in text and "Maria" not in text, path
    for message in Message.objects.all():
        desktop.goto(f"{live_server.url}/admin/mail/messages/inspect/{message.pk}/")
        text = desktop.content()
        assert GRADUATE not in text and "Lopez" not in text, message.kind
    for url in public:
        phone.goto(url)
        text = phone.content()
        assert GRADUATE not in text and "Lopez" not in text and "Maria" not in text, url
    # Her old personal link no longer opens her page.
    assert phone.goto(f"{live_server.url}{her_hub}").status == 403
