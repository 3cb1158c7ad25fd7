"""A new program starts from neutral copy and an offer that fits its registration state; editor helpers."""

import re

import pytest
from campaigns.referral_forms import smart_i_report
from django.urls import reverse

from campaigns.models import Milestone, ProgramPage, Student
from referrals.models import ReferralPlan
from sharing_prompts.models import SharingPrompt
from sharing_prompts.prompt_copy import prompt_problems
from testimonials.models import FeedbackPlan
from tests.campaigns.test_referral_editor import publish
from tests.factories import add_url, program_form, program_page

pytestmark = pytest.mark.django_db

PARENTING = re.compile(r"\b(parents?|kids?|child(ren)?|famil(y|ies)|coach)\b", re.IGNORECASE)


def default(model, name):
    return model._meta.get_field(name).get_default()


def test_the_default_ask_is_smart_i_and_fits_any_program():
    plan = ReferralPlan()
    data = {name: getattr(plan, name) for name in PLAN_FIELDS_ALL}
    report = smart_i_report(
        data=data,
        mission_statement="get 5,000 neighbours growing vegetables",
        mission_unit="gardeners",
        mission_goal=5000,
    )
    assert report.score == 6, report.as_json()
    for text in (plan.ask_subject, plan.ask_body, plan.thank_you_text, plan.friend_offer_text):
        assert not PARENTING.search(text), text


PLAN_FIELDS_ALL = ("ask_subject", "ask_body", "ask_count_min", "ask_count_max", "ask_window_days")
PLAN_FIELDS_ALL += ("friend_offer_text", "thank_you_text")


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


def offer_in_empty_form(html: str) -> str:
    template = html[html.index('id="id_referral_plans-EMPTY_FORM_TEMPLATE"') :]
    return re.search(
        r'name="referral_plans-__prefix__-friend_offer"[^>]*>.*?<option value="(\w+)"[^>]*selected', template, re.S
    ).group(1)


def test_a_new_open_program_offers_a_bonus_and_a_closed_one_a_place(admin_client):
    page = admin_client.get(add_url()).content.decode()  # a new program is open by default
    assert offer_in_empty_form(page) == "bonus"
    closed = program_page(slug="closed", registration_status="closed")
    edit = admin_client.get(reverse("wagtailadmin_pages:edit", args=[closed.pk])).content.decode()
    assert offer_in_empty_form(edit) == "registration"


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


def test_a_failed_publish_names_the_smart_i_reasons_once(admin_client):
    vague = "Hi {{ first_name }}, please help spread the word!"
    body = publish(admin_client, ask_subject="News", ask_body=vague).content.decode()
    assert len(re.findall(r"SMART-I \d/6", body)) == 1
