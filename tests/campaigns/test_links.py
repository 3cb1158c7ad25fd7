"""Personal links: pages carry the incoming token (only emails mint), links expire at a fixed age
whatever is viewed, and "sign out everywhere" revokes every link a student holds."""

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail, signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from campaigns import engine, links, services
from campaigns.models import JourneyEvent, Student
from referrals.services import link_for
from sharing_prompts.models import PromptDelivery
from testimonials import feedback
from testimonials.models import FeedbackResponse
from tests.factories import StudentFactory, enroll, feedback_plan, referral_plan, sharing_prompt

pytestmark = pytest.mark.django_db
FIXED = datetime(2031, 3, 14, 9, 26, 53, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clean():
    mail.outbox = []
    cache.clear()


class _Hrefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "action", "data-shared-url") and value:
                self.found.append(value)


def hrefs(body: str) -> list[str]:
    parser = _Hrefs()
    parser.feed(body)
    return parser.found


def me_tokens(body: str) -> set[str]:
    """The token of every link on the page that leads under a student's hub (/me/<token>/...)."""
    return {m.group(1) for href in hrefs(body) if (m := re.search(r"/me/([^/]+)/", href)) and m.group(1) != "new-link"}


def feedback_tokens(body: str) -> set[str]:
    return {m.group(1) for href in hrefs(body) if (m := re.search(r"/feedback/([^/]+)/", href))}


def freeze(monkeypatch, at: datetime) -> None:
    monkeypatch.setattr(links, "_now", lambda: at.timestamp())


@pytest.fixture
def busy_student(program):
    """A student with something behind every kind of link on the hub: an open prompt, a feedback
    request, the testimonial form and a special link."""
    sharing_prompt(program=program)
    feedback_plan(program=program, after_milestone_slug="first-win")
    referral_plan(program=program)
    now = timezone.now()
    enrollment = enroll(
        program=program, first_name="Ann", marketing_consent=True, now=now - timedelta(days=2), starts_at=now
    )
    engine.tick(now=now)
    services.enrollment_record_milestone(
        enrollment=enrollment, milestone=program.milestones.get(slug="first-win"), source="t", actor="t", now=now
    )
    engine.tick(now=now)
    link_for(student_id=enrollment.student_id, program_id=program.pk, now=now)
    assert PromptDelivery.objects.filter(enrollment=enrollment).exists()
    assert FeedbackResponse.objects.filter(enrollment=enrollment).exists()
    return Student.objects.get(pk=enrollment.student_id)


def test_every_page_under_the_hub_links_with_the_token_it_was_reached_with(client, busy_student):
    token = links.hub_token(busy_student)
    body = client.get(f"/me/{token}/").content.decode()
    assert "Give your feedback" in body and "Your special link" in body
    assert me_tokens(body) == {token}
    # The feedback link is another kind of token, pinned to the hub link's own timestamp.
    [feedback_token] = feedback_tokens(body)
    assert links.issued_at(feedback_token, salt=feedback.TOKEN_SALT) == links.read_hub_token(token).issued_at

    delivery = PromptDelivery.objects.get(student=busy_student)
    prompt = client.get(reverse("sharing_prompts:prompt", args=[token, delivery.pk])).content.decode()
    assert "Your page" in prompt and me_tokens(prompt) == {token}
    form = client.get(reverse("testimonials:form", args=[token, delivery.program_id])).content.decode()
    assert "Your page" in form and me_tokens(form) == {token}
    missing = client.get(reverse("testimonials:form", args=[token, delivery.program_id + 999]))
    assert missing.status_code == 404 and me_tokens(missing.content.decode()) == {token}


def test_a_feedback_page_links_to_the_hub_with_a_link_no_younger_than_itself(client, busy_student, monkeypatch):
    response = FeedbackResponse.objects.get(student=busy_student)
    freeze(monkeypatch, timezone.now() - timedelta(days=10))
    hub_token = links.hub_token(busy_student)
    body = client.get(f"/me/{hub_token}/").content.decode()
    [feedback_token] = feedback_tokens(body)
    monkeypatch.undo()
    feedback.feedback_submit(response=response, score=10, answers=["It gave me my calm back."])
    thanks = client.get(reverse("testimonials:thanks", args=[feedback_token])).content.decode()
    [from_thanks] = me_tokens(thanks)
    assert links.read_hub_token(from_thanks).issued_at == links.read_hub_token(hub_token).issued_at
    assert client.get(f"/me/{from_thanks}/").status_code == 200


def test_a_link_expires_at_sixty_days_however_often_its_pages_are_viewed(client, busy_student, monkeypatch, settings):
    settings.HUB_LINK_MAX_AGE = 60 * 24 * 3600
    freeze(monkeypatch, FIXED)
    token = links.hub_token(busy_student)  # emailed at FIXED
    delivery = PromptDelivery.objects.get(student=busy_student)
    seen = {token}
    for day in (30, 59):  # viewed today (59 days on), and before
        freeze(monkeypatch, FIXED + timedelta(days=day))
        body = client.get(f"/me/{token}/").content.decode()
        assert "Hi Ann" in body
        seen |= me_tokens(body)
        seen |= me_tokens(client.get(reverse("sharing_prompts:prompt", args=[token, delivery.pk])).content.decode())
    assert seen == {token}  # nothing newer was handed out
    freeze(monkeypatch, FIXED + timedelta(days=60, seconds=1))  # tomorrow: 60 days and a second
    for candidate in seen:
        response = client.get(f"/me/{candidate}/")
        assert response.status_code == 403 and "This link has expired" in response.content.decode()


def test_sign_out_everywhere_revokes_old_links_and_a_fresh_emailed_one_works(
    admin_client, admin_user, client, busy_student, django_capture_on_commit_callbacks
):
    legacy = signing.dumps(busy_student.pk, salt=links.SALT)  # minted before link versions existed
    current = links.hub_token(busy_student)
    assert client.get(f"/me/{legacy}/").status_code == 200  # legacy links read as version 0
    assert client.get(f"/me/{current}/").status_code == 200
    inspect = admin_client.get(reverse("campaigns_student:inspect", args=[busy_student.pk]))
    assert "Sign out everywhere" in inspect.content.decode()

    url = reverse("campaigns_student:sign_out", args=[busy_student.pk])
    response = admin_client.post(url)
    assert response.status_code == 302

    busy_student.refresh_from_db()
    assert busy_student.link_version == 1
    for old in (legacy, current):
        refused = client.get(f"/me/{old}/")
        assert refused.status_code == 403
        page = refused.content.decode()
        assert "This link has expired" in page and 'action="/me/new-link/"' in page
    [event] = JourneyEvent.objects.filter(student=busy_student, kind="links_revoked")
    assert event.enrollment_id is None and event.actor == f"admin:{admin_user.get_username()}"
    assert event.data == {"link_version": 1}
    timeline = admin_client.get(reverse("campaigns_student:inspect", args=[busy_student.pk]))
    assert "links_revoked" in timeline.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("hub_new_link"), {"email": busy_student.email})
    [sent] = [m for m in mail.outbox if m.subject == "Your personal link"]
    fresh = re.search(r"http://[^/]+(/me/\S+/)", sent.body).group(1)
    assert client.get(fresh).status_code == 200


def test_a_feedback_link_sent_before_a_sign_out_no_longer_leads_to_the_hub(admin_client, client, busy_student):
    response = FeedbackResponse.objects.get(student=busy_student)
    feedback_token = feedback.response_token(response.pk)
    assert me_tokens(client.get(reverse("testimonials:thanks", args=[feedback_token])).content.decode())
    admin_client.post(reverse("campaigns_student:sign_out", args=[busy_student.pk]))
    thanks = client.get(reverse("testimonials:thanks", args=[feedback_token])).content.decode()
    assert me_tokens(thanks) == set() and 'href="/me/new-link/"' in thanks


@pytest.fixture
def viewer_client(client, django_user_model):
    """A team member who may open the admin and look at students, not change them."""
    user = django_user_model.objects.create_user(username="viewer", password="x")
    group = Group.objects.create(name="Student viewers")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_student")
    )
    user.groups.add(group)
    client.force_login(user)
    return client


def test_staff_without_change_permission_cannot_sign_a_student_out(viewer_client):
    student = StudentFactory()
    token = links.hub_token(student)
    inspect = viewer_client.get(reverse("campaigns_student:inspect", args=[student.pk]))
    assert inspect.status_code == 200 and "Sign out everywhere" not in inspect.content.decode()
    response = viewer_client.post(reverse("campaigns_student:sign_out", args=[student.pk]))
    assert response.status_code == 403
    student.refresh_from_db()
    assert student.link_version == 0 and not JourneyEvent.objects.filter(kind="links_revoked").exists()
    assert viewer_client.get(f"/me/{token}/").status_code == 200


def test_sign_out_refuses_get_and_unknown_students(admin_client):
    student = StudentFactory()
    url = reverse("campaigns_student:sign_out", args=[student.pk])
    assert admin_client.get(url).status_code == 405
    assert admin_client.post(url.replace(f"/{student.pk}/", "/999999/")).status_code == 404
    assert admin_client.post(url.replace(f"/{student.pk}/", f"/{2**70}/")).status_code == 404
    student.refresh_from_db()
    assert student.link_version == 0


@pytest.mark.parametrize(
    "payload", [[1], [1, 2, 3], ["1", 0], [1, -1], [True, 0], {"s": 1}, "1", 0, -4, 2**70, [2**70, 0], None]
)
def test_signed_tokens_of_the_wrong_shape_get_the_clear_page(client, payload):
    StudentFactory()  # id 1 may exist: the shape alone must be refused
    token = links.sign(payload, salt=links.SALT)
    response = client.get(f"/me/{token}/")
    assert response.status_code == 403 and "This link does not work" in response.content.decode()


def test_a_token_from_an_older_version_is_refused_even_if_signed_correctly(client):
    student = StudentFactory(link_version=3)
    for version in (0, 2, 4):
        token = links.sign([student.pk, version], salt=links.SALT)
        assert client.get(f"/me/{token}/").status_code == 403
    assert client.get(f"/me/{links.sign([student.pk, 3], salt=links.SALT)}/").status_code == 200
