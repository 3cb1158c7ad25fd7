"""Accepting an event sends its INSERT as the connection's health check (campaigns.models.inserts
._checked_by_use): on a connection kept from an earlier request, one round trip instead of Django's
``SELECT 1`` and then the INSERT; a connection the database dropped between two requests is replaced
without failing the request; and a connection lost after the INSERT committed still stores the event once.

Transactional tests: the shortcut applies only to an autocommitted INSERT, as in a real request. Django's
test client does not run the request-start reset that arms the health check, so each test does it.
"""

import json

import psycopg
import pytest
from django.db import OperationalError, connection

from campaigns.models import Enrollment, inserts
from integrations.models import InboundEvent, Outcome
from tests.integrations.conftest import URL, signed_headers, student_data

pytestmark = pytest.mark.django_db(transaction=True)


def post_enrollment(client, msg_id: str):
    body = json.dumps({"type": "enrollment.created", "data": student_data(f"{msg_id}@example.org")}).encode()
    return client.post(URL, data=body, content_type="application/json", headers=signed_headers(body, msg_id=msg_id))


def new_request() -> None:
    """What Django does when a request starts (``close_old_connections``): the next statement is checked."""
    connection.close_if_unusable_or_obsolete()


@pytest.fixture
def health_checks(monkeypatch):
    """Counts Django's health checks (``is_usable``: a ``SELECT 1`` on PostgreSQL)."""
    calls = []
    real = connection.is_usable

    def counted():
        calls.append(1)
        return real()

    monkeypatch.setattr(connection, "is_usable", counted)
    return calls


def test_a_kept_connection_sends_the_insert_without_a_select_before_it(client, program, health_checks, monkeypatch):
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    # Processing (run at once in tests) is a task of its own, with its own checks: not counted here.
    monkeypatch.setattr("integrations.tasks.enqueue_process", lambda event_id: None)
    assert post_enrollment(client, "first").status_code == 202  # the connection is open from here on
    new_request()
    health_checks.clear()
    response = post_enrollment(client, "second")
    assert response.status_code == 202 and response.json()["status"] == "accepted"
    assert health_checks == []
    assert InboundEvent.objects.filter(external_id="second", accepted=True).count() == 1
    # Any other request's first statement is still checked the way Django does it.
    new_request()
    assert client.get("/healthz").status_code == 200
    assert health_checks == [1]


@pytest.mark.services  # PostgreSQL: a server that ends a connection
def test_a_connection_the_database_dropped_is_replaced_and_the_event_accepted(client, program, postgres_db):
    assert post_enrollment(client, "before").status_code == 202
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        dropped = cursor.fetchone()[0]
    # As a database restart or an idle-connection timeout would: the server ends the kept connection.
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [dropped])
    new_request()
    response = post_enrollment(client, "after")
    assert response.status_code == 202 and response.json()["status"] == "accepted"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != dropped
    assert InboundEvent.objects.filter(external_id="after").count() == 1


@pytest.mark.services
def test_an_insert_that_committed_before_the_connection_broke_is_stored_once(client, program, postgres_db, monkeypatch):
    real = inserts._checked_by_use

    def line_drops_after_the_commit(execute):
        sent = []

        def execute_then_break():
            sent.append(1)
            if len(sent) > 1:
                return execute()
            execute()  # committed: the row is in the database
            connection.connection.close()  # and the answer is lost on the way back
            raise OperationalError("server closed the connection unexpectedly")

        return real(execute_then_break)

    assert post_enrollment(client, "warm").status_code == 202
    new_request()
    monkeypatch.setattr(inserts, "_checked_by_use", line_drops_after_the_commit)
    response = post_enrollment(client, "msg_broken")
    # The statement ran again on a new connection, met its own row, and answered as the first time.
    assert response.status_code == 202 and response.json()["status"] == "accepted"
    rows = InboundEvent.objects.filter(external_id="msg_broken")
    assert [(row.accepted, row.outcome) for row in rows] == [(True, Outcome.PROCESSED)]
    assert Enrollment.objects.filter(student__email="msg_broken@example.org").count() == 1


def test_a_statement_that_fails_on_a_working_connection_is_raised_and_not_sent_again():
    sent = []

    def timed_out():
        sent.append(1)
        raise OperationalError("canceling statement due to statement timeout")

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # the connection is open and answers
    new_request()
    with pytest.raises(OperationalError, match="statement timeout"):
        inserts._checked_by_use(timed_out)
    assert sent == [1]
