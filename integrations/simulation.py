"""The simulated course platform's purchases, and ``simulate_cohort --via api``: it reports through our
signed events API.

A friend's purchase and a refund are ``purchase.completed`` / ``purchase.refunded`` events either way:
``ServicesPlatform`` (the default) stores each with the integrations services (``event_receive``, as the
API does after its door) and processes it at the simulated time; ``ApiPlatform`` posts it signed like the
rest. So the purchase handler, its ``Purchase`` row and the conversions code judge them as real ones.

Each enrollment, milestone and withdrawal is a signed ``POST /api/v1/events`` (Standard Webhooks, keyed
with ``EVENTS_API_SECRET``), in-process through Django's test ``Client`` or over HTTP to ``--api-url``;
then the accepted event is processed at the simulated time by the service its task runs
(``services.event_process``), so the door, the stored event, the handlers and the engine are all exercised.

Its students stay simulated: the handler creates the student and the run marks it ``simulated`` right
after, as the services path does, and every address is ``@example.test``. In-process that is all one
transaction. With ``--api-url`` the server (sharing this database) commits each event, so the run is not
one transaction and must be kept; the server's own worker may take an event before the run does (at the
real time, not the simulated day); the row lock and the outcome check make it act once either way.
"""

import http.client
import json
import time
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client

from campaigns import simulation as engine_simulation
from campaigns.models import Enrollment
from campaigns.simulation import person_mark_simulated
from integrations import api, services, signing
from integrations.models import SIMULATED_ID_PREFIX, InboundEvent, Outcome

PATH = "/api/v1/events"


class ApiError(Exception):
    """The API refused an event, or its processing did not succeed: the run stops with the reason."""


class _Purchases:
    """A friend's purchase (the same order may be reported twice, each time under a new event id) and a
    refund, as the course platform or the checkout would report them."""

    def purchase(self, *, program, email, first_name, order_id, ref, now):
        data = {"order_id": order_id, "email": email, "program": program.slug, "first_name": first_name}
        data.update(ref=ref, amount=AMOUNT, currency=CURRENCY)
        self._report("purchase.completed", data, now)

    def refund(self, *, order_id, now):
        self._report("purchase.refunded", {"order_id": order_id}, now)

    def _next_id(self) -> str:
        self.count += 1
        return f"{SIMULATED_ID_PREFIX}{self.run}-{self.count}"

    def _process(self, event_type: str, msg_id: str, now) -> None:
        event = InboundEvent.objects.filter(source=api.SOURCE, external_id=msg_id, accepted=True).first()
        if event is None:
            raise ApiError(f"{self.api_url} accepted {msg_id} but it is not in this database: point both at one")
        outcome = services.event_process(event_id=event.pk, now=now)
        if outcome != Outcome.PROCESSED:
            event.refresh_from_db()
            raise ApiError(f"{event_type} {msg_id} ended {outcome}: {event.error}")


AMOUNT, CURRENCY = "49.00", "EUR"


class ServicesPlatform(_Purchases, engine_simulation.ServicesPlatform):
    """Enrollments, milestones and withdrawals straight to the engine's services; purchases and refunds
    stored as the events API's (``event_receive``) and processed by ``event_process`` at the simulated time."""

    api_url = ""

    def __init__(self) -> None:
        self.run = uuid.uuid4().hex[:8]
        self.count = 0
        self.posted: dict[str, int] = {}

    def _report(self, event_type: str, data: dict, now) -> None:
        msg_id = self._next_id()
        body = json.dumps({"type": event_type, "data": data}).encode()
        headers = {"user-agent": "simulate_cohort"}
        services.event_receive(
            source=api.SOURCE, external_id=msg_id, event_type=event_type, headers=headers, body=body, now=now
        )
        self.posted[event_type] = self.posted.get(event_type, 0) + 1
        self._process(event_type, msg_id, now)


class ApiPlatform(_Purchases):
    def __init__(self, *, api_url: str = "") -> None:
        signing.webhook()  # SecretMissing now, not at the first student
        self.secret = settings.EVENTS_API_SECRET
        self.api_url = api_url
        # A server commits what it stores: the run cannot be one transaction (campaigns.simulation).
        self.commits = bool(api_url)
        self.run = uuid.uuid4().hex[:8]
        self.count = 0
        if not api_url:
            self.client = Client(HTTP_HOST=_host())
        self.posted: dict[str, int] = {}

    # --- what the platform reports --------------------------------------------------------------

    def enroll(self, *, email, program, first_name, time_zone, marketing_consent, cohort, starts_at, now):
        student = {"email": email, "first_name": first_name, "timezone": time_zone}
        student["marketing_consent"] = marketing_consent
        data = {"student": student, "program": program.slug, "cohort": cohort, "starts_at": starts_at.isoformat()}
        self._report("enrollment.created", data, now)
        person_mark_simulated(email=email)
        return Enrollment.objects.get(student__email__iexact=email, program=program)

    def withdraw(self, *, enrollment, now):
        data = {"email": enrollment.student.email, "program": enrollment.program.slug}
        self._report("enrollment.withdrawn", {**data, "reason": "left the program (simulated platform event)"}, now)

    def milestone(self, *, enrollment, milestone, now):
        data = {"email": enrollment.student.email, "program": enrollment.program.slug, "milestone": milestone.slug}
        self._report("milestone.reached", data, now)

    # --- the API ------------------------------------------------------------------------------------

    def _report(self, event_type: str, data: dict, now) -> None:
        msg_id = self._next_id()
        body = json.dumps({"type": event_type, "data": data}).encode()
        timestamp = int(time.time())  # the signature's clock is the real one, whatever the simulated day
        headers = {
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signing.sign(secret=self.secret, msg_id=msg_id, timestamp=timestamp, body=body),
        }
        status, answer = self._post(body, headers)
        if status != 202:
            raise ApiError(f"{event_type} answered {status}: {answer[:500]}")
        self.posted[event_type] = self.posted.get(event_type, 0) + 1
        self._process(event_type, msg_id, now)

    def _post(self, body: bytes, headers: dict) -> tuple[int, str]:
        if not self.api_url:
            response = self.client.post(PATH, data=body, content_type="application/json", headers=headers, secure=True)
            return response.status_code, response.content.decode(errors="replace")
        url = urlsplit(self.api_url)
        connection_class = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        conn = connection_class(url.hostname, url.port, timeout=30)
        try:
            conn.request(
                "POST", url.path.rstrip("/") + PATH, body=body, headers={**headers, "Content-Type": "application/json"}
            )
            response = conn.getresponse()
            return response.status, response.read().decode(errors="replace")
        except OSError as exc:
            raise ApiError(f"cannot reach {self.api_url}: {exc}") from None
        finally:
            conn.close()


def _host() -> str:
    """A host name this site answers to (the in-process request passes ALLOWED_HOSTS like any other)."""
    for host in settings.ALLOWED_HOSTS:
        if host and host != "*" and not host.startswith("."):
            return host
    return "localhost"
