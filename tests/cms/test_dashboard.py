"""The program dashboard: counts on a small cohort, constant queries, doors to exactly those people,
bad filters answered with a message."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Enrollment, JourneyEvent
from cms.dashboard import metrics
from testimonials.events import FeedbackEvent
from testimonials.models import FeedbackResponse
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 11, 10, 23, 30, tzinfo=UTC)


def cohort(program, n, *, unhappy=0, happy=0, name="2026-fall", simulated=False):
    students = []
    for i in range(n):
        student = StudentFactory(simulated=simulated)
        enrollment = Enrollment.objects.create(student=student, program=program, cohort=name, enrolled_at=WHEN)
        kinds = []
        if i < unhappy + happy:
            kinds.append(FeedbackEvent.SCORED)
            kinds.append(FeedbackEvent.UNHAPPY if i < unhappy else FeedbackEvent.HAPPY)
            FeedbackResponse.objects.create(
                enrollment=enrollment,
                student=student,
                program=program,
                cohort=name,
                score=3 if i < unhappy else 10,
                scored_at=WHEN,
            )
        for kind in kinds:
            JourneyEvent.objects.create(
                student=student, enrollment=enrollment, program=program, kind=kind, actor="test", occurred_at=WHEN
            )
        students.append(student)
    return students


def counts(program, **filters):
    return {step.key: step.count for step in metrics.program_funnel(program, **filters)}


def test_counts_on_a_small_cohort(program):
    cohort(program, 6, unhappy=2, happy=3)
    cohort(program, 4, unhappy=4, simulated=True)  # never counted
    funnel = counts(program)
    assert funnel["enrolled"] == 6
    assert funnel["feedback"] == 5
    assert (funnel["happy"], funnel["neutral"], funnel["unhappy"]) == (3, 0, 2)
    assert funnel["rewarded"] == 0  # counted from referrals/rewards now
    steps = {step.key: step for step in metrics.program_funnel(program)}
    assert steps["unhappy"].percent == 40.0  # of those who gave feedback
    assert counts(program, cohort="nobody")["enrolled"] == 0
    assert counts(program, start=WHEN.date() + timedelta(days=1))["feedback"] == 0
    [week] = metrics.nps_by_week(program)
    assert (week.answers, week.nps) == (5, 20)  # 3 promoters, 2 detractors


def queries_for(program):
    with CaptureQueriesContext(connection) as captured:
        metrics.program_funnel(program, cohort="2026-fall", start=WHEN.date(), end=WHEN.date())
        metrics.nps_by_week(program, cohort="2026-fall")
    return len(captured)


def test_query_count_does_not_grow_with_students(program):
    cohort(program, 5, unhappy=2, happy=2)
    small = queries_for(program)
    cohort(program, 45, unhappy=20, happy=20)
    assert queries_for(program) == small


@pytest.mark.parametrize(
    "filters", [{}, {"cohort": "2026-fall", "start": WHEN.date().isoformat(), "end": WHEN.date().isoformat()}]
)
def test_the_unhappy_count_opens_exactly_those_students(program, admin_client, filters):
    unhappy = cohort(program, 5, unhappy=2, happy=2)[:2]
    cohort(program, 3, unhappy=3, simulated=True)
    cohort(program, 2, unhappy=2, name="2025-spring")
    if not filters:
        unhappy += list(Enrollment.objects.filter(cohort="2025-spring").values_list("student", flat=True))
    page = admin_client.get(reverse("program_dashboard", args=[program.pk]), filters)
    assert page.status_code == 200
    [step, url] = [(s, u) for s, u in page.context["rows"] if s.key == "unhappy"][0]
    assert step.count == len(unhappy)
    listed = admin_client.get(url)
    assert listed.status_code == 200
    assert {s.pk for s in listed.context["object_list"]} == {getattr(s, "pk", s) for s in unhappy}


def test_simulated_students_count_only_when_asked_and_their_door_lists_them(program, admin_client):
    """The demo's simulated cohort: kept out of the figures unless staff tick the box, then counted with a
    banner saying these are not real figures, and the door lists the same people."""
    real = cohort(program, 3, unhappy=1, happy=1)[:1]
    simulated = cohort(program, 4, unhappy=2, simulated=True, name="sim")[:2]
    url = reverse("program_dashboard", args=[program.pk])
    page = admin_client.get(url)
    assert "simulated-banner" not in page.content.decode()
    assert {s.key: s.count for s, _ in page.context["rows"]}["unhappy"] == 1

    page = admin_client.get(url, {"with_simulated": "on"})
    assert "not real figures" in page.content.decode()
    step, door = [(s, u) for s, u in page.context["rows"] if s.key == "unhappy"][0]
    assert step.count == 3 and "with_simulated=true" in door
    listed = admin_client.get(door)
    assert {s.pk for s in listed.context["object_list"]} == {s.pk for s in real + simulated}
    # Asking on one page never leaks into the next request's figures (the home panel, the program page).
    assert {s.key: s.count for s in metrics.program_funnel(program)}["unhappy"] == 1


@pytest.mark.parametrize(
    "query, message",
    [
        ({"start": "2026-12-01", "end": "2026-01-01"}, "before the start date"),
        ({"start": "1066-10-14"}, "between 2000 and 2100"),
        ({"start": "not-a-date"}, "valid date"),
        ({"cohort": "<b>ghost</b>"}, "no cohort “&lt;b&gt;ghost&lt;/b&gt;”"),
    ],
)
def test_bad_filters_get_a_message_not_a_500(program, admin_client, query, message):
    cohort(program, 2)
    page = admin_client.get(reverse("program_dashboard", args=[program.pk]), query)
    assert page.status_code == 200
    assert message in page.content.decode()


def test_the_admin_home_summarises_programs_with_a_link(program, admin_client):
    program.save_revision().publish()
    cohort(program, 3, unhappy=1)
    home = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("program_dashboard", args=[program.pk]) in home


def test_unknown_program_is_a_404(admin_client):
    assert admin_client.get(reverse("program_dashboard", args=[999999])).status_code == 404


def test_the_nps_chart_is_drawn_with_its_numbers(program, admin_client):
    cohort(program, 5, unhappy=2, happy=3)
    page = admin_client.get(reverse("program_dashboard", args=[program.pk])).content.decode()
    assert "<svg" in page and "NPS by week" in page
    assert 'id="nps-description"' in page
    assert ">20<" in page  # the value printed on the chart and in the table
