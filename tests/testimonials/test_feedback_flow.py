"""Feedback for everyone, as students and the team live it: one click, follow-up, routing, support."""

import hashlib
import hmac
import http.client
import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from campaigns import engine, services
from campaigns.models import JourneyEvent, ScheduledAction
from mailers import services as mail_services
from mailers.models import Message
from testimonials import outbound, support
from testimonials.models import CaseStatus, FeedbackResponse, Route, SupportCase
from testimonials.services import feedback_route
from tests.factories import enroll, feedback_plan

pytestmark = pytest.mark.django_db
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


@pytest.fixture(autouse=True)
def clean():
    mail.outbox = []
    cache.clear()


def asked(program, *, email="ann@example.org", now=None, **plan_fields):
    """Enroll, reach the milestone the plan follows, tick: the feedback request is out."""
    now = now or timezone.now()
    if not program.feedback_plans.exists():
        feedback_plan(program=program, after_milestone_slug="first-win", **plan_fields)
    enrollment = enroll(
        program=program,
        email=email,
        now=now - timedelta(days=2),
        starts_at=now - timedelta(days=1),
        marketing_consent=True,
        first_name="Ann",
    )
    engine.tick(now=now - timedelta(days=1))
    services.enrollment_record_milestone(
        enrollment=enrollment, milestone=program.milestones.get(slug="first-win"), source="platform", actor="t", now=now
    )
    engine.tick(now=now)
    mail_services.messages_send_due(now=now)
    return enrollment, FeedbackResponse.objects.get(enrollment=enrollment)


def score_links(email_message) -> dict[int, str]:
    found = re.findall(r"(\d+) — (http\S+/feedback/\S+/\d+/)", email_message.body)
    return {int(score): urlsplit(url).path for score, url in found}


def test_the_feedback_email_carries_eleven_score_links(program):
    enrollment, response = asked(program)
    [email] = [m for m in mail.outbox if "how was" in m.subject]
    assert email.subject == f"{enrollment.student.first_name}, how was {program.title}?"
    links = score_links(email)
    assert sorted(links) == list(range(11))
    html = email.alternatives[0][0]
    for score in range(11):
        assert f">{score}</a>" in html  # eleven buttons in the HTML part


def test_one_click_records_the_score_and_opens_the_questions_preset(program, client):
    _, response = asked(program)
    links = score_links(mail.outbox[0])
    page = client.get(links[8], HTTP_USER_AGENT=BROWSER)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="8" id="id_score_8" required checked' in body
    assert "What was different for you before and after the program?" in body
    response.refresh_from_db()
    assert response.score == 8 and response.routed_at is None  # a GET never routes on its own


def test_last_click_wins_and_a_replay_changes_nothing(program, client):
    _, response = asked(program)
    links = score_links(mail.outbox[0])
    client.get(links[3], HTTP_USER_AGENT=BROWSER)
    client.get(links[3], HTTP_USER_AGENT=BROWSER)
    client.get(links[10], HTTP_USER_AGENT=BROWSER)
    response.refresh_from_db()
    assert response.score == 10
    scored = JourneyEvent.objects.filter(kind="feedback_scored").values_list("reason", flat=True)
    assert list(scored) == ["scored 3/10", "scored 10/10 (was 3)"]


@pytest.mark.parametrize(
    "agent", ["", "Mozilla/5.0 (compatible; Barracuda Sentinel)", "Microsoft Office/16.0 SafeLinks", "curl/8.1"]
)
def test_scanners_and_head_requests_record_nothing(program, client, agent):
    _, response = asked(program)
    links = score_links(mail.outbox[0])
    assert client.get(links[2], HTTP_USER_AGENT=agent).status_code == 200
    assert client.head(links[2], HTTP_USER_AGENT=BROWSER).status_code == 200
    response.refresh_from_db()
    assert response.score is None
    assert not SupportCase.objects.exists()


@pytest.mark.parametrize("bad", ["11", "-1", "ten", "999999999999", "%C2%B2", "²", "٣", "1٣", "%EF%BC%95"])
def test_scores_outside_0_to_10_get_a_clear_page(program, bad):
    client = Client(raise_request_exception=False)  # a 500 is a response here, as a student would see it
    _, response = asked(program)
    path = score_links(mail.outbox[0])[5].rsplit("/5/", 1)[0] + f"/{bad}/"
    page = client.get(path, HTTP_USER_AGENT=BROWSER)
    assert page.status_code in (400, 404)
    if page.status_code == 400:
        assert "Choose a score from 0 to 10" in page.content.decode()
    response.refresh_from_db()
    assert response.score is None


def test_tampered_feedback_link_gets_a_clear_page(program, client):
    asked(program)
    path = score_links(mail.outbox[0])[9].replace("/feedback/", "/feedback/x")
    page = client.get(path, HTTP_USER_AGENT=BROWSER)
    assert page.status_code == 403 and "This link does not work" in page.content.decode()


def test_a_click_without_words_is_routed_by_the_score_after_the_delay_once(program, client, settings):
    _, response = asked(program)
    links = score_links(mail.outbox[0])
    now = timezone.now()
    client.get(links[2], HTTP_USER_AGENT=BROWSER)
    engine.tick(now=now + timedelta(minutes=5))
    response.refresh_from_db()
    assert response.routed_at is None
    engine.tick(now=now + timedelta(minutes=settings.FEEDBACK_ROUTE_DELAY_MINUTES + 1))
    response.refresh_from_db()
    assert response.route == Route.UNHAPPY
    client.get(links[2], HTTP_USER_AGENT=BROWSER)  # a scanner replays the link later
    feedback_route(response=response, actor="test")
    assert SupportCase.objects.count() == 1


def follow_up(client, response_email, score, *answers):
    links = score_links(response_email)
    path = links[score]
    client.get(path, HTTP_USER_AGENT=BROWSER)
    data = {"score": str(score)}
    for index, answer in enumerate(answers):
        data[f"answer_{index}"] = answer
    return client.post(path.rsplit(f"/{score}/", 1)[0] + "/", data, HTTP_USER_AGENT=BROWSER, follow=True)


class Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def helpdesk(monkeypatch):
    """A help desk at a public https name; DNS and the connection are played locally (plain HTTP on
    loopback), so the request itself, headers and body, is the real one."""
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(outbound, "resolve", lambda host, port: ["93.184.215.14"])
    monkeypatch.setattr(
        outbound,
        "connection",
        lambda target, address, timeout: http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=timeout),
    )
    yield "https://helpdesk.example.com/hook"
    server.shutdown()


def test_high_score_with_clearly_negative_words_opens_a_case_and_asks_for_nothing(
    program, client, settings, helpdesk, django_capture_on_commit_callbacks
):
    settings.HELPDESK_WEBHOOK_SECRET = "s3cret-hook"
    _, response = asked(program, helpdesk_webhook_url=helpdesk)
    with django_capture_on_commit_callbacks(execute=True):
        page = follow_up(client, mail.outbox[0], 9, "Honestly a waste of money.", "", "")
    assert "Thank you for telling us" in page.content.decode()
    response.refresh_from_db()
    assert response.route == Route.UNHAPPY
    assert any("waste of money" in reason for reason in response.route_reasons)
    case = SupportCase.objects.get()
    assert case.status == CaseStatus.OPEN and "waste of money" in case.student_words
    # The team hears about it, by email and on their help desk, signed.
    [support_email] = [m for m in mail.outbox if m.to == ["Support <support@example.org>"]]
    assert f"Support case #{case.pk}" in support_email.subject
    [(headers, body)] = Receiver.received
    expected = "sha256=" + hmac.new(b"s3cret-hook", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-signature-sha256"], expected)
    assert json.loads(body)["case_id"] == case.pk
    case.refresh_from_db()
    assert case.webhook_status == "delivered (204)"
    # Nothing is asked of them.
    assert not Message.objects.filter(kind="testimonial_request").exists()
    # The vent page: they say more, it is appended.
    client.post(page.redirect_chain[-1][0], {"words": "And nobody called me back."}, HTTP_USER_AGENT=BROWSER)
    case.refresh_from_db()
    assert "Honestly a waste of money." in case.student_words and "nobody called me back" in case.student_words


def test_neutral_gets_a_thank_you_and_nothing_more(program, client):
    _, response = asked(program)
    page = follow_up(client, mail.outbox[0], 7, "It was fine.")
    assert "Thank you for your feedback" in page.content.decode()
    response.refresh_from_db()
    assert response.route == Route.NEUTRAL
    assert not SupportCase.objects.exists()
    assert not Message.objects.filter(kind="testimonial_request").exists()


def test_happy_gets_a_testimonial_request_prefilled_with_their_words(program, client):
    _, response = asked(program)
    page = follow_up(client, mail.outbox[0], 10, "Mornings are calm now. I got my evenings back.")
    assert "Write my testimonial" in page.content.decode()
    [request] = Message.objects.filter(kind="testimonial_request")
    link = re.search(r"/me/\S+/testimonial/\d+/", str(request.context["testimonial_url"])).group(0)
    form = client.get(link).content.decode()
    assert "Mornings are calm now. I got my evenings back." in form


def test_made_right_asks_again_after_the_cool_off(program, client, admin_user):
    enrollment, response = asked(program, cooloff_days=14)
    follow_up(client, mail.outbox[0], 2, "Nothing worked for us.")
    case = SupportCase.objects.get()
    now = timezone.now()
    support.case_update(
        case=case, status=CaseStatus.MADE_RIGHT, assigned_to=admin_user, note="Refunded", actor="t", now=now
    )
    action = ScheduledAction.objects.get(enrollment=enrollment, key="feedback:2")
    assert action.due_at == now + timedelta(days=14)
    engine.tick(now=now + timedelta(days=14, minutes=1))
    assert FeedbackResponse.objects.filter(enrollment=enrollment, round=2).exists()
    kinds = list(
        JourneyEvent.objects.filter(enrollment=enrollment, kind__startswith="support").values_list("kind", flat=True)
    )
    assert kinds == ["support_case_opened", "support_case_resolved"]


def test_a_plan_without_milestone_asks_days_after_graduation(program):
    feedback_plan(program=program, days_after_completion=3)
    now = timezone.now()
    enrollment = enroll(program=program, now=now, starts_at=now, marketing_consent=True)
    end = now + timedelta(days=program.duration_days + 1)
    engine.tick(now=end)
    assert not FeedbackResponse.objects.exists()
    action = ScheduledAction.objects.get(enrollment=enrollment, kind="feedback_request")
    engine.tick(now=action.due_at)
    assert FeedbackResponse.objects.filter(enrollment=enrollment).exists()


def test_a_complaint_in_another_language_opens_a_case_that_says_how_it_was_read(
    program, client, django_capture_on_commit_callbacks
):
    _, response = asked(program)
    with django_capture_on_commit_callbacks(execute=True):
        follow_up(client, mail.outbox[0], 9, "La coach nunca se conectó a dos de las sesiones.", "Nadie me respondió.")
    response.refresh_from_db()
    assert response.route == Route.UNHAPPY
    assert response.language == "es"
    case = SupportCase.objects.get()
    assert "read with the Spanish cue list only" in case.reason
    [support_email] = [m for m in mail.outbox if m.to == ["Support <support@example.org>"]]
    assert "read with the Spanish cue list only" in support_email.body


def test_a_low_scorer_with_polite_negative_answers_is_not_said_to_read_positive(
    program, client, django_capture_on_commit_callbacks
):
    _, response = asked(program)
    with django_capture_on_commit_callbacks(execute=True):
        follow_up(
            client,
            mail.outbox[0],
            3,
            "I liked the idea and the first video was nice.",
            "Honestly nothing changed for us.",
            "Maybe it works for other families.",
        )
    case = SupportCase.objects.get()
    assert "reads positive" not in case.reason
    assert 'it says "nothing changed"' in case.reason
    [support_email] = [m for m in mail.outbox if m.to == ["Support <support@example.org>"]]
    assert "reads positive" not in support_email.body and "nothing changed" in support_email.body
