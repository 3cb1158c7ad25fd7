"""`simulate_cohort` drives the real engine and reports the funnel."""

import json

import pytest
from django.core.management import CommandError, call_command

from campaigns.models import Enrollment, JourneyEvent, Student
from tests.factories import sharing_prompt

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
