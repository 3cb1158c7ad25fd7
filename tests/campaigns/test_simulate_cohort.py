"""`simulate_cohort` drives the real engine and reports the funnel."""

import json
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from campaigns import engine, selectors, signals
from campaigns.models import Enrollment, JourneyEvent, MilestoneReached, ProgramPage, ScheduledAction, Student
from mailers import services as mail_services
from mailers.models import Message
from referrals.models import FriendLead
from sharing_prompts.selectors import cohorts as prompt_cohorts
from sharing_prompts.selectors import prompt_stats
from testimonials import support
from testimonials.models import FeedbackResponse, SupportCase, Testimonial
from tests.conftest import ROOT, subprocess_env
from tests.factories import enroll, feedback_plan, referral_plan, sharing_prompt, testimonial

pytestmark = pytest.mark.django_db


def run(capsys, *args):
    call_command("simulate_cohort", *args)
    return capsys.readouterr().out


def test_json_funnel_through_the_engine(program, capsys):
    result = json.loads(run(capsys, "--program", "focus", "--students", "40", "--seed", "7", "--json"))
    assert result["program"] == "focus" and result["students"] == 40
    stages = result["stages"]
    assert list(stages) == [
        "enrolled",
        "active",
        "milestone:first-win",
        "milestone:halfway",
        "milestone:platform-only",
        "prompted",
        "prompt completed",
        "completed",
        "feedback",
        "happy",
        "neutral",
        "unhappy",
        "testimonial",
        "asked",
        "link clicks",
        "friends registered",
        "withdrawn",
    ]
    assert stages["enrolled"] == 40
    assert stages["active"] == 40  # every cohort member starts, through the tick
    assert 0 < stages["completed"] < 40  # some withdraw along the way
    assert stages["completed"] + stages["withdrawn"] == 40
    assert 0 < stages["milestone:platform-only"] < 40  # reported by the platform only, not by everyone
    # Rolled back: the simulation leaves nothing behind.
    assert not Student.objects.exists() and not JourneyEvent.objects.exists()


def test_students_are_prompted_at_milestones_and_some_never_complete(program, capsys):
    sharing_prompt(program=program, milestone_slug="first-win")
    stages = json.loads(run(capsys, "--program", "focus", "--students", "60", "--seed", "5", "--json"))["stages"]
    assert 0 < stages["prompted"] <= stages["milestone:first-win"]
    assert 0 < stages["prompt completed"] < stages["prompted"]


def test_same_seed_same_funnel(program, capsys):
    first = run(capsys, "--program", "focus", "--students", "25", "--seed", "3", "--json")
    again = run(capsys, "--program", "focus", "--students", "25", "--seed", "3", "--json")
    other = run(capsys, "--program", "focus", "--students", "25", "--seed", "4", "--json")
    assert first == again
    assert first != other


def test_keep_leaves_the_cohort_in_the_database(program, capsys):
    out = run(capsys, "--program", "focus", "--students", "5", "--keep")
    assert "kept in the database as cohort sim-1-" in out
    assert Enrollment.objects.filter(cohort__startswith="sim-1-").count() == 5


def test_table_output(program, capsys):
    out = run(capsys, "--program", "focus", "--students", "10")
    assert "enrolled" in out and "10" in out and "█" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--program", "nope", "--students", "3"], "no live program with slug 'nope' (live programs: focus)"),
        (["--program", "focus", "--students", "0"], "between 1 and 100000"),
    ],
)
def test_bad_arguments_are_clear(program, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("simulate_cohort", *args)


# --- Real people are never touched --------------------------------------------------------


@pytest.fixture
def busy_program(program):
    """Every phase on, so a simulation reaches feedback, support cases, testimonials and asks."""
    sharing_prompt(program=program, milestone_slug="first-win")
    feedback_plan(program=program, support_email="team@example.org", days_after_completion=2)
    referral_plan(program=program)
    return ProgramPage.objects.get(pk=program.pk)


@pytest.fixture
def real_people(busy_program):
    """A real student mid-program whose milestone is due now and whose graduation and feedback
    request fall due inside the simulated weeks; another with an open support case and a pending
    testimonial."""
    now = timezone.now()
    ann = enroll(
        program=busy_program, email="ann@example.org", now=now - timedelta(days=21), starts_at=now - timedelta(days=20)
    )
    engine.tick(now=now - timedelta(days=19), enrollments=Enrollment.objects.filter(pk=ann.pk))  # started only
    assert ann.actions.filter(kind="milestone", status="pending", due_at__lte=now).exists()
    assert ann.actions.filter(kind="complete", status="pending", due_at__lte=now + timedelta(days=30)).exists()
    bob = enroll(program=busy_program, email="bob@example.org", now=now - timedelta(days=1))
    response = FeedbackResponse.objects.create(enrollment=bob, student=bob.student, program=busy_program, score=2)
    case = support.case_open(response=response, plan=None, reasons=["score 2"], now=now)
    pending = testimonial(program=busy_program, student=bob.student, text="It helped, mostly.")
    return {"ann": ann, "bob": bob, "case": case, "testimonial": pending}


def snapshot(program, people) -> dict:
    """Everything a simulation could change about real people, and what the team sees."""
    ids = [people["ann"].student_id, people["bob"].student_id]
    return {
        "stages": list(Enrollment.objects.filter(student_id__in=ids).order_by("pk").values_list("pk", "stage")),
        "journey": list(JourneyEvent.objects.filter(student_id__in=ids).order_by("pk").values_list("pk", "kind")),
        "actions": list(
            ScheduledAction.objects.filter(enrollment__student_id__in=ids).order_by("pk").values_list("pk", "status")
        ),
        "milestones": MilestoneReached.objects.filter(enrollment__student_id__in=ids).count(),
        "messages": list(Message.objects.order_by("pk").values_list("pk", "to_email", "status")),
        "feedback": list(FeedbackResponse.objects.filter(student_id__in=ids).values_list("pk", "score", "route")),
        "mission": selectors.program_mission_progress(program=program).reached,
        "funnel": selectors.program_funnel(program=program),
        "prompt_stats": [(s.program_title, s.milestone, s.prompted, s.completed) for s in prompt_stats()],
        "cohorts": prompt_cohorts(),
    }


def listed(admin_client, url_name: str) -> str:
    return admin_client.get(reverse(url_name)).content.decode()


@pytest.mark.parametrize("keep", [False, True])
def test_a_simulation_never_touches_real_students(busy_program, real_people, capsys, admin_client, keep):
    before = snapshot(busy_program, real_people)
    seen_changes: list = []

    def spy(sender, **kwargs):  # what the simulation's own ticks change, while it runs (rolled back or not)
        seen_changes.append(kwargs.get("enrollment_ids") or [r.enrollment_id for r in kwargs.get("reached", [])])

    signals.stages_changed.connect(spy)
    signals.milestones_reached.connect(spy)
    try:
        run(capsys, "--program", "focus", "--students", "40", "--seed", "11", *(["--keep"] if keep else []))
    finally:
        signals.stages_changed.disconnect(spy)
        signals.milestones_reached.disconnect(spy)
    real = {real_people["ann"].pk, real_people["bob"].pk}
    assert seen_changes and not real & {pk for ids in seen_changes for pk in ids}
    after = snapshot(busy_program, real_people)
    if not keep:
        assert after == before and not Student.objects.filter(simulated=True).exists()
        return
    simulated = Student.objects.filter(simulated=True)
    assert simulated.count() >= 40
    # The kept cohort exists, reached every phase, and shows up nowhere the team or the public looks.
    assert SupportCase.objects.filter(student__simulated=True).exists()
    assert Testimonial.objects.filter(student__simulated=True).exists()
    sim_messages = Message.objects.filter(student_id__in=simulated.values("pk"))
    assert sim_messages.exists()
    assert {k: v for k, v in after.items() if k != "messages"} == {k: v for k, v in before.items() if k != "messages"}
    sim_addresses = set(simulated.values_list("email", flat=True))
    assert [m for m in after["messages"] if m[1] not in sim_addresses] == before["messages"]
    support_list = listed(admin_client, "testimonials_supportcase:index")
    assert f"/admin/support-cases/edit/{real_people['case'].pk}/" in support_list
    assert "example.test" not in support_list and "not-a-real-inbox" not in support_list
    assert set(re.findall(r"/admin/support-cases/edit/(\d+)/", support_list)) == {str(real_people["case"].pk)}
    moderation = listed(admin_client, "testimonials_testimonial:index")
    assert "bob@example.org" in moderation
    assert "example.test" not in moderation and "not-a-real-inbox" not in moderation
    # A kept run is a finished snapshot: friends its graduates brought are simulated too, no step is left.
    assert not FriendLead.objects.filter(student__isnull=False, student__simulated=False).exists()
    assert not ScheduledAction.objects.filter(enrollment__student__simulated=True, status="pending").exists()
    # Nothing is ever sent to a simulated person, or to the team about one, however late the sender runs.
    mail.outbox = []
    mail_services.messages_send_due(now=timezone.now() + timedelta(days=400))
    assert not Message.objects.filter(to_email__in=sim_addresses, status="sent").exists()
    assert not [m for m in mail.outbox if sim_addresses & set(m.to)]
    assert not Message.objects.filter(kind="support_case_opened", to_email="team@example.org").exists()
    # The students list marks them plainly.
    students_list = admin_client.get(reverse("campaigns_student:index") + "?simulated=true")
    assert students_list.status_code == 200 and "example.test" in students_list.content.decode()


def test_the_next_real_tick_after_keep_emails_no_simulated_person(busy_program, capsys):
    run(capsys, "--program", "focus", "--students", "20", "--seed", "2", "--keep")
    mail.outbox = []
    later = timezone.now() + timedelta(days=120)
    engine.tick(now=later)
    mail_services.messages_send_due(now=later)
    simulated = set(Student.objects.filter(simulated=True).values_list("email", flat=True))
    assert simulated and not [m for m in mail.outbox if simulated & set(m.to)]


def test_on_a_database_never_migrated_it_says_to_migrate_first(tmp_path):
    env = subprocess_env(DATABASE_URL=f"sqlite:///{tmp_path}/never.db", DJANGO_SETTINGS_MODULE="cms.settings.dev")
    done = subprocess.run(
        [sys.executable, "manage.py", "simulate_cohort", "--program", "demo", "--students", "3"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "run `manage.py migrate` first" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
