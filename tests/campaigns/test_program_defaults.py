"""A new program starts from neutral copy (what students get before the referral ask: its own defaults
are in tests/referrals/test_editor.py); editor helpers."""

import re

import pytest
from django.urls import reverse

from campaigns.models import Milestone, ProgramPage, Student
from sharing_prompts.models import SharingPrompt
from sharing_prompts.prompt_copy import prompt_problems
from testimonials.models import FeedbackPlan
from tests.factories import add_url, program_form, program_page

pytestmark = pytest.mark.django_db

PARENTING = re.compile(r"\b(parents?|kids?|child(ren)?|famil(y|ies)|coach)\b", re.IGNORECASE)


def default(model, name):
    return model._meta.get_field(name).get_default()


def test_the_default_copy_students_get_before_the_ask_is_not_salesy_and_neutral():
    subject = default(SharingPrompt, "email_subject")
    report = prompt_problems(
        subject=subject, ask="Tell {{ target_count }} people close to you how it felt.", example=""
    )
    assert not report.salesy, report.as_json()
    for name in ("email_subject", "email_intro", "questions", "testimonial_subject", "testimonial_intro"):
        text = default(FeedbackPlan, name)
        assert not prompt_problems(subject="", ask=text, example="").findings, (name, text)
        assert not PARENTING.search(text), text


def test_the_demo_keeps_its_own_parenting_ask():
    from cms import demo

    assert "parents you know whose kids struggle" in demo.DEMO_ASK_BODY


def test_an_empty_milestone_slug_is_made_from_its_title(admin_client):
    data = {
        **program_form(milestones=[{"title": "First calm évening!", "slug": "", "description": "", "day_offset": "7"}]),
        "action-publish": "publish",
    }
    response = admin_client.post(add_url(), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [m.slug for m in ProgramPage.objects.get(slug="calm-parents").milestones.all()] == ["first-calm-evening"]
    # Outside the editor too.
    program = program_page(slug="other")
    milestone = Milestone.objects.create(program=program, title="Halfway there")
    assert milestone.slug == "halfway-there"


def test_the_milestone_slug_field_follows_the_title_in_the_editor(admin_client):
    page = admin_client.get(add_url()).content.decode()
    assert "campaigns/milestone_slug.js" in page and "data-slug-from-title" in page


def test_the_time_zone_is_chosen_from_a_list_and_an_unknown_one_is_refused(admin_client):
    url = reverse("campaigns_student:add")
    page = admin_client.get(url).content.decode()
    assert re.search(r'<select name="time_zone"', page)
    assert '<option value="Europe/Paris"' in page and '<option value="UTC" selected' in page
    response = admin_client.post(url, {"email": "tz@example.org", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200 and "time zone" in str(response.context["form"].errors["time_zone"])
    assert not Student.objects.filter(email="tz@example.org").exists()
    assert admin_client.post(url, {"email": "tz@example.org", "time_zone": "Europe/Paris"}).status_code == 302
    assert Student.objects.get(email="tz@example.org").time_zone == "Europe/Paris"
