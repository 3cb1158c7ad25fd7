"""The help-desk webhook calls public https addresses only: checked on save and again at each send."""

import http.client
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.core.cache import cache

from campaigns.models import ProgramPage
from testimonials import outbound, support
from testimonials.models import FeedbackPlan, HelpDeskPost, SupportCase
from tests.factories import add_url, program_form
from tests.testimonials.test_feedback_flow import asked, follow_up
from tests.testimonials.test_simulate_and_editor import PLAN

pytestmark = pytest.mark.django_db
PUBLIC_IP = "93.184.215.14"
DNS = {
    "helpdesk.example.com": [PUBLIC_IP],
    "sneaky.example.com": ["127.0.0.1"],
    "metadata.example.com": ["169.254.169.254"],
    "mixed.example.com": [PUBLIC_IP, "10.0.0.5"],
    "mapped.example.com": ["::ffff:10.0.0.5"],
}
HOSTILE = [
    ("http://helpdesk.example.com/hook", "only https:// URLs are allowed"),
    ("https://127.0.0.1/hook", "127.0.0.1 is a loopback address"),
    ("https://10.0.0.5/hook", "10.0.0.5 is a private address"),
    ("https://[::1]/hook", "::1 is a loopback address"),
    ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("https://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1 is a loopback address"),
    ("https://0.0.0.0/hook", "0.0.0.0 is an unspecified address"),
    ("https://224.0.0.1/hook", "224.0.0.1 is a multicast address"),
    ("https://240.0.0.1/hook", "240.0.0.1 is a reserved address"),
    ("https://sneaky.example.com/hook", "sneaky.example.com resolves to 127.0.0.1, a loopback address"),
    ("https://metadata.example.com/", "resolves to 169.254.169.254, a link-local address"),
    ("https://mixed.example.com/hook", "mixed.example.com resolves to 10.0.0.5, a private address"),
    ("https://mapped.example.com/hook", "resolves to ::ffff:10.0.0.5, a private address"),
    ("https://nowhere.example.com/hook", "nowhere.example.com does not resolve"),
    ("https://user:pass@helpdesk.example.com/hook", "no user name or password"),
]


def fake_resolve(host, port):
    if host not in DNS:
        raise outbound.Refused(f"{host} does not resolve (test DNS)")
    return DNS[host]


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    cache.clear()
    mail.outbox = []
    monkeypatch.setattr(outbound, "resolve", fake_resolve)
    monkeypatch.setattr(support, "RETRY_PAUSES", (0, 0, 0))


@pytest.fixture
def no_connection(monkeypatch):
    opened = []

    def refuse(target, address, timeout):
        opened.append(address)
        raise AssertionError("a refused URL must not be connected to")

    monkeypatch.setattr(outbound, "connection", refuse)
    return opened


class Desk(BaseHTTPRequestHandler):
    """A help desk that answers as the test says: a status, a Location, or a long silence."""

    status = 204
    location = ""
    delay = 0.0
    received: list = []
    bodies: list = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        Desk.received.append((self.path, self.headers.get("Host")))
        Desk.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(Desk.delay)
        self.send_response(Desk.status)
        if Desk.location:
            self.send_header("Location", Desk.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def desk(monkeypatch):
    """The connection to the checked address goes to a local server instead (plain HTTP)."""
    Desk.status, Desk.location, Desk.delay, Desk.received, Desk.bodies = 204, "", 0.0, [], []
    server = HTTPServer(("127.0.0.1", 0), Desk)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    addresses = []

    def local(target, address, timeout):
        addresses.append(address)
        return http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=timeout)

    monkeypatch.setattr(outbound, "connection", local)
    yield addresses
    server.shutdown()


def open_case(program, client, settings, django_capture_on_commit_callbacks, url) -> SupportCase:
    """A student's unhappy feedback opens a case; its webhook is sent (after commit) to ``url``."""
    settings.HELPDESK_WEBHOOK_SECRET = "s3cret-hook"
    asked(program, helpdesk_webhook_url=url)  # saved past the editor's check, as if DNS changed since
    with django_capture_on_commit_callbacks(execute=True):
        page = follow_up(client, mail.outbox[0], 2, "Nobody answered my emails.")
    assert page.status_code == 200  # the student never sees what the help desk did
    return SupportCase.objects.get()


# --- On save, in the program editor -----------------------------------------------------------


@pytest.mark.parametrize(("url", "reason"), HOSTILE)
def test_the_editor_refuses_a_webhook_that_is_not_public_https(admin_client, url, reason):
    data = program_form(feedback_plans=[{**PLAN, "helpdesk_webhook_url": url}])
    response = admin_client.post(add_url(), {**data, "action-publish": "publish"})
    assert response.status_code == 200
    assert "This URL cannot be used" in response.content.decode()
    assert reason in response.content.decode().replace("&#x27;", "'")
    assert not ProgramPage.objects.filter(slug="calm-parents").exists()


def test_the_editor_accepts_a_public_https_webhook(admin_client):
    data = program_form(feedback_plans=[{**PLAN, "helpdesk_webhook_url": "https://helpdesk.example.com/hook"}])
    response = admin_client.post(add_url(), {**data, "action-publish": "publish"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert FeedbackPlan.objects.get().helpdesk_webhook_url == "https://helpdesk.example.com/hook"


# --- At send time -----------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "reason"), HOSTILE)
def test_a_send_to_a_url_that_is_not_public_https_is_refused_and_recorded(
    program, client, settings, django_capture_on_commit_callbacks, no_connection, url, reason
):
    case = open_case(program, client, settings, django_capture_on_commit_callbacks, url)
    case.refresh_from_db()
    assert case.webhook_status.startswith("refused: ") and reason in case.webhook_status
    assert no_connection == []


def test_a_name_that_now_resolves_inside_is_refused_at_send_time(
    program, client, settings, django_capture_on_commit_callbacks, no_connection, monkeypatch
):
    monkeypatch.setitem(DNS, "helpdesk.example.com", ["127.0.0.1"])  # DNS changed after the save
    case = open_case(program, client, settings, django_capture_on_commit_callbacks, "https://helpdesk.example.com/h")
    case.refresh_from_db()
    assert case.webhook_status == "refused: helpdesk.example.com resolves to 127.0.0.1, a loopback address"
    assert no_connection == []


def test_a_public_help_desk_gets_the_case_at_the_address_that_was_checked(
    program, client, settings, django_capture_on_commit_callbacks, desk
):
    case = open_case(
        program, client, settings, django_capture_on_commit_callbacks, "https://helpdesk.example.com/h?x=1"
    )
    case.refresh_from_db()
    assert case.webhook_status == "delivered (204)"
    assert desk == [PUBLIC_IP]
    assert Desk.received == [("/h?x=1", "helpdesk.example.com")]


def test_a_redirect_from_the_help_desk_is_not_followed(
    program, client, settings, django_capture_on_commit_callbacks, desk
):
    Desk.status, Desk.location = 302, "http://169.254.169.254/latest/meta-data/"
    case = open_case(program, client, settings, django_capture_on_commit_callbacks, "https://helpdesk.example.com/h")
    case.refresh_from_db()
    assert case.webhook_status == "refused: redirect (302) to http://169.254.169.254/latest/meta-data/ not followed"
    assert len(Desk.received) == 1  # one request, to the help desk; none to where it pointed


def test_a_help_desk_that_does_not_answer_in_time_is_recorded_as_a_timeout(
    program, client, settings, django_capture_on_commit_callbacks, desk, monkeypatch
):
    monkeypatch.setattr(outbound, "TIMEOUT_SECONDS", 0.2)
    Desk.delay = 1.0
    case = open_case(program, client, settings, django_capture_on_commit_callbacks, "https://helpdesk.example.com/h")
    case.refresh_from_db()
    assert case.webhook_status == "failed: timed out after 0.2 s"  # each attempt bounded by the timeout


def test_a_server_error_is_retried_then_recorded(program, client, settings, django_capture_on_commit_callbacks, desk):
    Desk.status = 503
    case = open_case(program, client, settings, django_capture_on_commit_callbacks, "https://helpdesk.example.com/h")
    case.refresh_from_db()
    assert case.webhook_status == "failed: HTTP 503" and len(Desk.received) == 3


def test_the_pinned_connection_goes_to_the_checked_address_whatever_the_name():
    # No DNS is asked: "helpdesk.invalid" cannot resolve, yet the socket reaches the address given.
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def accept():
        conn, _ = listener.accept()
        accepted.append(conn.recv(5))  # the TLS ClientHello starts with 0x16 0x03
        conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    connection = outbound.PinnedHTTPSConnection(
        "helpdesk.invalid", address="127.0.0.1", port=listener.getsockname()[1], timeout=2
    )
    with pytest.raises(OSError):  # the handshake fails: our listener speaks no TLS
        connection.connect()
    thread.join(2)
    listener.close()
    assert accepted and accepted[0][:1] == b"\x16"


def test_a_case_whose_task_the_queue_lost_is_posted_once_by_the_periodic_pass(
    program, client, settings, django_capture_on_commit_callbacks, desk
):
    from datetime import timedelta

    settings.HELPDESK_WEBHOOK_SECRET = "s3cret-hook"
    asked(program, helpdesk_webhook_url="https://helpdesk.example.com/h")
    with django_capture_on_commit_callbacks(execute=False):  # the queue was away: the task never ran
        follow_up(client, mail.outbox[0], 2, "Nobody answered my emails.")
    case = SupportCase.objects.get()
    assert case.webhook_status == "" and Desk.received == []
    opened = case.opened_at
    assert support.case_webhooks_due(now=opened + timedelta(seconds=299)) == 0  # the task's head start
    assert support.case_webhooks_due(now=opened + timedelta(seconds=301)) == 1
    case.refresh_from_db()
    assert case.webhook_status == "delivered (204)" and len(Desk.received) == 1
    assert support.case_webhooks_due(now=opened + timedelta(minutes=10)) == 0
    assert support.post_case_webhook(case.pk) == "taken"  # the lost task, delivered late after all
    assert len(Desk.received) == 1
    from testimonials import tasks

    assert tasks.case_webhooks_due() == 0  # the periodic task itself, on the real clock


def test_the_pass_leaves_old_cases_and_sent_ones_alone(
    program, client, settings, django_capture_on_commit_callbacks, desk
):
    from datetime import timedelta

    settings.HELPDESK_WEBHOOK_SECRET = "s3cret-hook"
    asked(program, helpdesk_webhook_url="https://helpdesk.example.com/h")
    with django_capture_on_commit_callbacks(execute=False):
        follow_up(client, mail.outbox[0], 2, "Nobody answered my emails.")
    case = SupportCase.objects.get()
    assert support.case_webhooks_due(now=case.opened_at + timedelta(days=1, minutes=1)) == 0  # a day late
    HelpDeskPost.objects.filter(case=case).update(status="failed: HTTP 503")
    assert support.case_webhooks_due(now=case.opened_at + timedelta(minutes=10)) == 0  # tried: shown as it is
    assert Desk.received == []


def test_words_added_while_the_queue_was_away_are_posted_once_by_the_pass(
    program, client, settings, django_capture_on_commit_callbacks, desk
):
    """Before: the addition's task had no pass behind it, and a lost send raised at the end of the student's
    request. Now the post is written with the words, and the pass makes it when its task never ran."""
    import json
    from datetime import timedelta

    from tests.testimonials.test_feedback_flow import BROWSER

    settings.HELPDESK_WEBHOOK_SECRET = "s3cret-hook"
    asked(program, helpdesk_webhook_url="https://helpdesk.example.com/h")
    with django_capture_on_commit_callbacks(execute=True):
        page = follow_up(client, mail.outbox[0], 2, "Nobody answered my emails.")
    case = SupportCase.objects.get()
    assert case.webhook_status == "delivered (204)" and len(Desk.received) == 1
    with django_capture_on_commit_callbacks(execute=False):  # the queue was away: the task never ran
        vent = client.post(page.redirect_chain[-1][0], {"words": "Still nobody."}, HTTP_USER_AGENT=BROWSER)
    assert vent.status_code in (200, 302)
    post = HelpDeskPost.objects.get(case=case, kind=HelpDeskPost.Kind.UPDATED)
    assert post.status == "" and post.end == len(SupportCase.objects.get().student_words)
    written = post.created_at
    assert support.case_webhooks_due(now=written + timedelta(seconds=299)) == 0  # the task's head start
    assert support.case_webhooks_due(now=written + timedelta(seconds=301)) == 1
    assert len(Desk.received) == 2
    post.refresh_from_db()
    case.refresh_from_db()
    assert post.status == "delivered (204)" and case.webhook_status == "update delivered (204)"
    assert support.case_webhooks_due(now=written + timedelta(minutes=30)) == 0
    assert support.post_case_update_webhook(case.pk, post.start, post.end) == "taken"  # the lost task, late
    assert len(Desk.received) == 2
    # The late task's copy of the words is not needed: the row says which words the update was.
    assert json.loads(Desk.bodies[-1])["added_words"].endswith("] Still nobody.")


def test_a_post_a_stopped_worker_left_mid_send_is_made_again_after_its_lease(
    program, client, settings, django_capture_on_commit_callbacks, desk
):
    """Before: a worker that stopped between claiming the case and recording the answer left it at
    "sending" for good. The help desk may have it already: the repeat carries the same case_id."""
    import json
    from datetime import timedelta

    settings.HELPDESK_WEBHOOK_SECRET = "s3cret-hook"
    settings.HELPDESK_WEBHOOK_LEASE_SECONDS = 900
    asked(program, helpdesk_webhook_url="https://helpdesk.example.com/h")
    with django_capture_on_commit_callbacks(execute=False):
        follow_up(client, mail.outbox[0], 2, "Nobody answered my emails.")
    case = SupportCase.objects.get()
    claimed = case.opened_at + timedelta(minutes=1)
    HelpDeskPost.objects.filter(case=case).update(status=support.SENDING, claimed_at=claimed)  # and then it stopped
    assert support.case_webhooks_due(now=claimed + timedelta(seconds=899)) == 0  # it may still be sending
    assert support.post_case_webhook(case.pk) == "taken"  # nor does a redelivered task post it meanwhile
    assert support.case_webhooks_due(now=claimed + timedelta(seconds=901)) == 1
    assert len(Desk.received) == 1 and json.loads(Desk.bodies[-1])["case_id"] == case.pk
    case.refresh_from_db()
    assert case.webhook_status == "delivered (204)"
    assert support.case_webhooks_due(now=claimed + timedelta(hours=2)) == 0


def test_a_case_without_a_help_desk_owes_nothing(program, client, settings, desk):
    from datetime import timedelta

    settings.HELPDESK_WEBHOOK_SECRET = "s3cret-hook"
    asked(program)  # no help-desk URL
    follow_up(client, mail.outbox[0], 2, "Nobody answered my emails.")
    case = SupportCase.objects.get()
    assert not HelpDeskPost.objects.exists()
    assert support.case_webhooks_due(now=case.opened_at + timedelta(minutes=10)) == 0
    assert Desk.received == []


def test_the_case_page_lists_what_was_posted_to_the_help_desk(
    program, client, admin_client, settings, django_capture_on_commit_callbacks, desk
):
    from django.urls import reverse

    from tests.testimonials.test_feedback_flow import BROWSER

    settings.HELPDESK_WEBHOOK_SECRET = "s3cret-hook"
    asked(program, helpdesk_webhook_url="https://helpdesk.example.com/h")
    with django_capture_on_commit_callbacks(execute=True):
        page = follow_up(client, mail.outbox[0], 2, "Nobody answered my emails.")
    Desk.status = 503
    with django_capture_on_commit_callbacks(execute=False):  # its task is lost: owed to the pass
        client.post(page.redirect_chain[-1][0], {"words": "Still nobody."}, HTTP_USER_AGENT=BROWSER)
    case = SupportCase.objects.get()
    html = admin_client.get(reverse("testimonials_supportcase:edit", args=[case.pk])).content.decode()
    assert "Posted to the help desk" in html
    assert "Case opened" in html and "delivered (204)" in html
    assert "Words added" in html and "waiting to be posted" in html
