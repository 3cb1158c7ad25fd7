"""simulate_cohort with feedback, and the creator writing the feedback request in the program editor."""

import json

import pytest
from django.core.management import call_command

from campaigns.models import ProgramPage
from testimonials.models import FeedbackPlan
from tests.factories import add_url, feedback_plan, program_form

pytestmark = pytest.mark.django_db

PLAN = {
    "after_milestone_slug": "",
    "days_after_completion": "3",
    "email_subject": "{{ first_name }}, how was {{ program_title }}?",
    "email_intro": "One click tells us how it went.",
    "questions": "What changed for you?\nWhich moment made you feel it was working?",
    "neutral_questions": "What would have made it a 10?",
    "unhappy_questions": "What went wrong?\nWhat would have helped?",
    "happy_min": "9",
    "neutral_min": "7",
    "support_email": "help@example.org",
    "helpdesk_webhook_url": "",
    "cooloff_days": "14",
    "testimonial_subject": "Would you put it into words?",
    "testimonial_intro": "Thank you, {{ first_name }}.",
    "testimonial_questions": "What changed?",
}


def test_simulated_cohort_gives_feedback_and_testimonials(program, capsys):
    feedback_plan(program=program, days_after_completion=1)
    call_command("simulate_cohort", "--program", "focus", "--students", "80", "--seed", "11", "--json")
    stages = json.loads(capsys.readouterr().out)["stages"]
    assert 0 < stages["feedback"] <= stages["completed"]
    assert stages["happy"] + stages["neutral"] + stages["unhappy"] == stages["feedback"]
    assert stages["happy"] > stages["unhappy"] > 0 and stages["neutral"] > 0
    assert 0 < stages["testimonial"] < stages["happy"]


def test_creator_writes_the_feedback_request(admin_client):
    response = admin_client.post(add_url(), {**program_form(feedback_plans=[PLAN]), "action-publish": "publish"})
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = FeedbackPlan.objects.get(program__slug="calm-parents")
    assert plan.question_list == ["What changed for you?", "Which moment made you feel it was working?"]
    assert plan.question_sets == {
        "happy": ["What changed for you?", "Which moment made you feel it was working?"],
        "neutral": ["What would have made it a 10?"],
        "unhappy": ["What went wrong?", "What would have helped?"],
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"after_milestone_slug": "nope"}, "No milestone &#x27;nope&#x27; in this program"),
        ({"happy_min": "6", "neutral_min": "8"}, "The neutral threshold must be from 1 up to the happy threshold"),
        ({"email_intro": "Hi {{ frist_name }}"}, "Unknown merge field {{ frist_name }}"),
        ({"questions": "  \n "}, "This field is required"),
        ({"unhappy_questions": ""}, "This field is required"),
        ({"neutral_questions": " \n"}, "This field is required"),
        ({"support_email": "not-an-address"}, "Enter a valid email address"),
    ],
)
def test_a_broken_feedback_request_is_refused(admin_client, change, message):
    response = admin_client.post(
        add_url(), {**program_form(feedback_plans=[{**PLAN, **change}]), "action-publish": "publish"}
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not ProgramPage.objects.filter(slug="calm-parents").exists()
