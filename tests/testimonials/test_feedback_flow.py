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
from django.urls import reverse
from django.utils import timezone

from campaigns import engine, services
from campaigns.models import JourneyEvent, ScheduledAction, Student
from mailers import services as mail_services
from mailers.models import Message
from testimonials import feedback as feedback_services
from testimonials import outbound, support
from testimonials.feedback import feedback_route
from testimonials.models import CaseStatus, FeedbackResponse, Route, SupportCase
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
    page = client.get(links[9], HTTP_USER_AGENT=BROWSER)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="9" id="id_score_9" required checked' in body
    assert "What was different for you before and after the program?" in body
    response.refresh_from_db()
    assert response.score == 9 and response.routed_at is None  # a GET never routes on its own


HAPPY_QUESTION = "Which moment made you feel it was working?"


@pytest.mark.parametrize(
    ("score", "shown"),
    [
        (3, ["What went wrong for you?", "What would have helped?"]),
        (0, ["What went wrong for you?", "Is there anything we can do now to make it right?"]),
        (7, ["What would have made it a 10 for you?", "What worked for you, and what did not?"]),
        (8, ["What would have made it a 10 for you?"]),
    ],
)
def test_unhappy_and_neutral_scores_get_their_own_questions(program, client, score, shown):
    """Before: a 3/10 student was asked "which moment made you feel it was working?"."""
    asked(program)
    body = client.get(score_links(mail.outbox[0])[score], HTTP_USER_AGENT=BROWSER).content.decode()
    for question in shown:
        assert question in body
    assert HAPPY_QUESTION not in body and "What was different for you before and after" not in body


def test_the_answers_are_kept_with_the_questions_the_student_was_asked(program, client):
    _, response = asked(program)
    page = follow_up(client, mail.outbox[0], 3, "The coach never called.", "A call in week two.")
    assert "Thank you for telling us" in page.content.decode()
    response.refresh_from_db()
    assert response.answers[:2] == [
        {"question": "What went wrong for you?", "answer": "The coach never called."},
        {"question": "What would have helped?", "answer": "A call in week two."},
    ]
    assert response.route == Route.UNHAPPY
    assert "The coach never called." in SupportCase.objects.get().student_words


def test_the_creator_s_own_questions_and_thresholds_choose_what_is_asked(program, client):
    asked(program, happy_min=8, unhappy_questions="Where did we let you down?", neutral_questions="What was missing?")
    links = score_links(mail.outbox[0])
    assert "What was missing?" in client.get(links[7], HTTP_USER_AGENT=BROWSER).content.decode()
    assert HAPPY_QUESTION in client.get(links[8], HTTP_USER_AGENT=BROWSER).content.decode()  # 8 is happy here
    body = client.get(links[6], HTTP_USER_AGENT=BROWSER).content.decode()
    assert "Where did we let you down?" in body and "What went wrong for you?" not in body


def test_a_score_changed_on_the_page_before_writing_brings_the_questions_that_fit(program, client):
    _, response = asked(program)
    path = score_links(mail.outbox[0])[9]
    assert HAPPY_QUESTION in client.get(path, HTTP_USER_AGENT=BROWSER).content.decode()
    form_url = path.rsplit("/9/", 1)[0] + "/"
    page = client.post(form_url, {"score": "4", "asked": "happy"}, HTTP_USER_AGENT=BROWSER)
    body = page.content.decode()
    assert page.status_code == 200 and "What went wrong for you?" in body and HAPPY_QUESTION not in body
    assert 'name="asked" value="unhappy"' in body
    response.refresh_from_db()
    assert response.score == 4 and response.routed_at is None
    client.post(form_url, {"score": "4", "asked": "unhappy", "answer_0": "Too fast."}, HTTP_USER_AGENT=BROWSER)
    response.refresh_from_db()
    assert response.route == Route.UNHAPPY
    assert response.answers[0] == {"question": "What went wrong for you?", "answer": "Too fast."}


def test_words_typed_under_one_set_are_sent_as_they_are_when_the_score_changes(program, client):
    _, response = asked(program)
    form_url = score_links(mail.outbox[0])[10].rsplit("/10/", 1)[0] + "/"
    data = {"score": "5", "asked": "happy", "answer_0": "Honestly, it did not help."}
    client.post(form_url, data, HTTP_USER_AGENT=BROWSER)
    response.refresh_from_db()
    assert response.routed_at is not None and response.route == Route.UNHAPPY
    assert response.answers[0] == {
        "question": "What was different for you before and after the program?",
        "answer": "Honestly, it did not help.",
    }


def test_from_the_hub_the_score_comes_first_then_its_questions(program, client):
    _, response = asked(program)
    form_url = reverse("testimonials:feedback", args=[feedback_services.response_token(response.pk)])
    body = client.get(form_url, HTTP_USER_AGENT=BROWSER).content.decode()
    assert "answer_0" not in body and ">Next</button>" in body
    body = client.post(form_url, {"score": "2", "asked": ""}, HTTP_USER_AGENT=BROWSER).content.decode()
    assert "What went wrong for you?" in body and ">Send</button>" in body


@pytest.mark.parametrize("asked_value", ["bogus", "<script>", "x" * 500])
def test_a_hand_made_question_set_falls_back_to_the_score_s_own(program, client, asked_value):
    _, response = asked(program)
    form_url = reverse("testimonials:feedback", args=[feedback_services.response_token(response.pk)])
    data = {"score": "3", "asked": asked_value, "answer_0": "Nobody answered."}
    assert client.post(form_url, data, HTTP_USER_AGENT=BROWSER).status_code == 302
    response.refresh_from_db()
    assert response.answers[0] == {"question": "What went wrong for you?", "answer": "Nobody answered."}


def test_a_request_sent_before_question_sets_uses_the_plan_s_questions_for_unhappy_scores(program, client):
    _, response = asked(program)
    FeedbackResponse.objects.filter(pk=response.pk).update(question_sets={})
    body = client.get(score_links(mail.outbox[0])[2], HTTP_USER_AGENT=BROWSER).content.decode()
    assert "What went wrong for you?" in body and HAPPY_QUESTION not in body
    body = client.get(score_links(mail.outbox[0])[10], HTTP_USER_AGENT=BROWSER).content.decode()
    assert HAPPY_QUESTION in body


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
    # Both lead to the case's page in the admin.
    assert f"/admin/support-cases/edit/{case.pk}/" in support_email.body
    [(headers, body)] = Receiver.received
    expected = "sha256=" + hmac.new(b"s3cret-hook", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-signature-sha256"], expected)
    assert json.loads(body)["case_id"] == case.pk
    assert urlsplit(json.loads(body)["admin_url"]).path == f"/admin/support-cases/edit/{case.pk}/"
    case.refresh_from_db()
    assert case.webhook_status == "delivered (204)"
    # Nothing is asked of them.
    assert not Message.objects.filter(kind="testimonial_request").exists()
    # The vent page: they say more, it is appended.
    client.post(page.redirect_chain[-1][0], {"words": "And nobody called me back."}, HTTP_USER_AGENT=BROWSER)
    case.refresh_from_db()
    assert "Honestly a waste of money." in case.student_words and "nobody called me back" in case.student_words


def test_what_the_student_adds_on_the_vent_page_reaches_the_support_address_and_the_help_desk(
    program, client, settings, helpdesk, django_capture_on_commit_callbacks
):
    """Before: the words were appended to the case and nobody was told (no email, no help-desk post)."""
    settings.HELPDESK_WEBHOOK_SECRET = "s3cret-hook"
    _, response = asked(program, helpdesk_webhook_url=helpdesk)
    with django_capture_on_commit_callbacks(execute=True):
        page = follow_up(client, mail.outbox[0], 2, "Nothing changed for us.")
    case = SupportCase.objects.get()
    mail.outbox, Receiver.received = [], []
    vent = page.redirect_chain[-1][0]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(vent, {"words": "And nobody called me back <b>for weeks</b>."}, HTTP_USER_AGENT=BROWSER)
    [update] = mail.outbox
    assert update.to == ["Support <support@example.org>"]
    assert update.subject == f"Support case #{case.pk}: {response.student.full_name} added more"
    assert "And nobody called me back <b>for weeks</b>." in update.body
    assert "Nothing changed for us." in update.body  # the whole story, for whoever picks it up
    assert "&lt;b&gt;for weeks&lt;/b&gt;" in update.alternatives[0][0]  # escaped in the HTML part
    [(headers, body)] = Receiver.received
    expected = "sha256=" + hmac.new(b"s3cret-hook", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-signature-sha256"], expected)
    payload = json.loads(body)
    assert payload["event"] == "support_case.updated" and payload["case_id"] == case.pk
    assert payload["added_words"].endswith("] And nobody called me back <b>for weeks</b>.")  # after its time stamp
    assert "Nothing changed for us." not in payload["added_words"] and "Nothing changed" in payload["student_words"]
    case.refresh_from_db()
    assert case.webhook_status == "update delivered (204)"
    # A second addition is its own update; an empty one sends nothing.
    mail.outbox, Receiver.received = [], []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(vent, {"words": "   "}, HTTP_USER_AGENT=BROWSER)
        client.post(vent, {"words": "Please call me."}, HTTP_USER_AGENT=BROWSER)
    assert [m.subject for m in mail.outbox] == [update.subject]
    [(_, body)] = Receiver.received
    assert json.loads(body)["added_words"].endswith("] Please call me.")
    assert json.loads(body)["update_id"] != payload["update_id"]


def test_without_the_webhook_secret_an_update_is_emailed_and_the_case_says_why_it_was_not_posted(
    program, client, settings, helpdesk, django_capture_on_commit_callbacks
):
    settings.HELPDESK_WEBHOOK_SECRET = ""
    asked(program, helpdesk_webhook_url=helpdesk)
    with django_capture_on_commit_callbacks(execute=True):
        page = follow_up(client, mail.outbox[0], 1, "It did not work.")
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page.redirect_chain[-1][0], {"words": "Still waiting."}, HTTP_USER_AGENT=BROWSER)
    assert [m.to for m in mail.outbox] == [["Support <support@example.org>"]]
    assert not Receiver.received
    assert SupportCase.objects.get().webhook_status == "update not sent: set HELPDESK_WEBHOOK_SECRET"


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


def test_what_a_simulated_student_adds_on_the_vent_page_reaches_no_real_team(
    program, client, settings, helpdesk, django_capture_on_commit_callbacks
):
    """Before: simulate_cohort's case reached nobody when it opened, but the words added on its vent page
    were emailed to the real support address and posted to the real help desk."""
    settings.HELPDESK_WEBHOOK_SECRET = "s3cret-hook"
    _, response = asked(program, helpdesk_webhook_url=helpdesk)
    Student.objects.filter(pk=response.student_id).update(simulated=True)
    with django_capture_on_commit_callbacks(execute=True):
        page = follow_up(client, mail.outbox[0], 2, "Nothing changed for us.")
    mail.outbox, Receiver.received = [], []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page.redirect_chain[-1][0], {"words": "And nobody called me back."}, HTTP_USER_AGENT=BROWSER)
    assert "nobody called me back" in SupportCase.objects.get().student_words  # kept on the case
    assert mail.outbox == [] and Receiver.received == []
    assert not Message.objects.filter(to_email="support@example.org").exists()
