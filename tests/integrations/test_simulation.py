"""`simulate_cohort --via api`: the simulated platform reports through signed posts to the events API."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from campaigns.models import Enrollment, Student
from integrations.models import InboundEvent, Outcome
from tests.factories import enroll

pytestmark = pytest.mark.django_db


def funnel(capsys, *args):
    call_command("simulate_cohort", "--program", "focus", "--students", "30", "--seed", "5", "--json", *args)
    return json.loads(capsys.readouterr().out)


def test_the_api_gives_the_same_funnel_as_the_services(program, capsys):
    through_services = funnel(capsys)
    through_api = funnel(capsys, "--via", "api")
    assert through_api == through_services
    assert through_api["stages"]["enrolled"] == 30 and 0 < through_api["stages"]["withdrawn"] < 30
    assert not InboundEvent.objects.exists() and not Student.objects.exists(), "rolled back, events too"


def test_kept_api_students_are_simulated_and_real_ones_untouched(program, capsys):
    real = enroll(program=program, email="real@example.org")
    call_command("simulate_cohort", "--program", "focus", "--students", "12", "--seed", "3", "--via", "api", "--keep")
    out = capsys.readouterr().out
    assert "through the events API (in-process):" in out and "12 enrollment.created" in out
    events = InboundEvent.objects.all()
    assert events.count() >= 12 and set(events.values_list("outcome", flat=True)) == {Outcome.PROCESSED}
    assert set(events.values_list("status_code", flat=True)) == {202}
    simulated = Student.objects.filter(simulated=True)
    # Never a real inbox: reserved example.test, or a Gmail username Gmail cannot have (hyphens, > 30 characters).
    assert simulated.count() == 12 and all(
        email.endswith(("@example.test", "-not-a-real-inbox@gmail.com"))
        for email in simulated.values_list("email", flat=True)
    )
    assert not Student.objects.get(pk=real.student_id).simulated
    assert Enrollment.objects.filter(cohort__startswith="sim-").count() == 12


def test_without_the_secret_it_says_what_to_set(program, settings):
    settings.EVENTS_API_SECRET = ""
    with pytest.raises(CommandError, match="EVENTS_API_SECRET"):
        call_command("simulate_cohort", "--program", "focus", "--students", "3", "--via", "api")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--api-url", "http://127.0.0.1:8000"], "--api-url goes with --via api"),
        (["--via", "api", "--api-url", "http://127.0.0.1:8000"], "needs --keep"),
        (["--via", "api", "--keep", "--api-url", "ftp://x"], "http:// or https://"),
    ],
)
def test_bad_api_url_options_are_refused(program, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("simulate_cohort", "--program", "focus", "--students", "3", *args)
    assert not Student.objects.exists()


def test_an_api_url_nobody_answers_stops_the_run_with_the_reason(program):
    from tests.private_redis import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(CommandError, match="cannot reach"):
        call_command(
            "simulate_cohort", "--program", "focus", "--students", "3", "--via", "api", "--keep", "--api-url", url
        )
    assert not Student.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_api_url_posts_to_a_running_server(live_server, capsys, settings):
    from tests.factories import program_page

    program_page(slug="focus", milestones=[("first-win", 7)])
    call_command(
        "simulate_cohort",
        "--program",
        "focus",
        "--students",
        "5",
        "--via",
        "api",
        "--keep",
        "--api-url",
        live_server.url,
    )
    assert f"through the events API ({live_server.url}): 5 enrollment.created" in capsys.readouterr().out
    assert Student.objects.filter(simulated=True).count() == 5
    assert set(InboundEvent.objects.values_list("outcome", flat=True)) == {Outcome.PROCESSED}


def test_the_api_carries_the_friends_purchases_and_refunds(program, capsys, monkeypatch):
    """Friends' purchases and refunds are signed posts too, and judged as through the services."""
    from datetime import UTC, datetime, timedelta

    from django.utils import timezone

    from referrals.conversions.models import Conversion
    from tests.referrals.graduates import make_link

    at = datetime(2026, 11, 10, 23, 30, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: at)
    make_link(program, now=at - timedelta(days=1))  # a referral plan, and a real graduate beside the cohort
    args = ["--program", "focus", "--students", "10", "--seed", "1", "--json"]
    call_command("simulate_cohort", *args)
    through_services = json.loads(capsys.readouterr().out)
    call_command("simulate_cohort", *args, "--via", "api", "--keep")
    out = capsys.readouterr().out
    through_api = json.loads(out[: out.rindex("}") + 1])
    assert through_api == through_services
    c = through_api["conversions"]
    assert c["purchases"] > 0 and c["refunds_reported"] > 0 and c["revoked"] + c["cancelled"] > 0
    posted = dict(InboundEvent.objects.filter(accepted=True).values_list("event_type").annotate(n=Count("id")))
    assert posted["purchase.completed"] == c["orders_reported"] + c["orders_reported_twice"]
    assert posted["purchase.refunded"] == c["refunds_reported"]
    assert set(InboundEvent.objects.values_list("outcome", flat=True)) == {Outcome.PROCESSED}
    assert Conversion.objects.filter(source="api", graduate__simulated=True).count() == c["purchases"]
