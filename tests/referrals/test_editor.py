"""The creator writes the referral ask: the SMART-I report while editing and on publish; simulate_cohort;
the ask and the offer a new program starts from."""

import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from campaigns.models import ProgramPage
from referrals.editor import smart_i_report
from referrals.models import ReferralPlan
from tests.factories import add_url, feedback_plan, program_form, program_page, referral_plan

pytestmark = pytest.mark.django_db

PLAN = {
    field.name: (str(field.default) if not callable(field.default) else "")
    for field in ReferralPlan._meta.get_fields()
    if hasattr(field, "default") and field.name not in ("id", "program", "sort_order")
}
PLAN.update({"publish_with_unmet_criteria": "", "reminder_after_days": "4", "checkout_url": "", "discount_code": ""})
VAGUE = "Hi {{ first_name }}, please help spread the word about our program!"


def publish(admin_client, **plan):
    data = {**program_form(referral_plans=[{**PLAN, **plan}]), "action-publish": "publish"}
    return admin_client.post(add_url(), data)


def test_the_default_ask_is_smart_i_and_publishes(admin_client):
    response = publish(admin_client)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ReferralPlan.objects.get(program__slug="calm-parents").ask_count_label == "1–3"


def test_a_vague_ask_cannot_be_published_and_each_unmet_criterion_says_why(admin_client):
    response = publish(admin_client, ask_subject="News", ask_body=VAGUE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "SMART-I" in body and "Measurable:" in body and "Time-bound:" in body
    assert not ProgramPage.objects.filter(slug="calm-parents").exists()
    response = publish(admin_client, ask_subject="News", ask_body=VAGUE, publish_with_unmet_criteria="on")
    assert response.status_code == 302
    revision = ProgramPage.objects.get(slug="calm-parents").live_revision.content
    assert revision["referral_plans"][0]["publish_with_unmet_criteria"] is True


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ask_count_min": "4", "ask_count_max": "2"}, "must be at least the fewest"),
        ({"enrollment_mode": "checkout"}, "Give your checkout page"),
        ({"friend_offer": "discount"}, "A discount offer needs its code"),
        ({"ask_body": "Hi {{ frist_name }}"}, "Unknown merge field {{ frist_name }}"),
    ],
)
def test_inconsistent_asks_are_refused(admin_client, change, message):
    response = publish(admin_client, **change)
    assert response.status_code == 200 and message in response.content.decode()


def test_live_smart_i_endpoint(admin_client):
    url = reverse("campaigns_referral_check")
    good = admin_client.post(
        url, json.dumps({**PLAN, "mission_statement": "help 10,000 parents stay calm"}), "application/json"
    )
    assert good.json()["score"] == 6
    vague = admin_client.post(url, json.dumps({"ask_subject": "News", "ask_body": VAGUE}), "application/json").json()
    assert vague["score"] <= 2
    assert set(vague["criteria"]) == {"specific", "measurable", "actionable", "relevant", "time_bound", "inspiring"}
    assert admin_client.post(url, "[1]", "application/json").status_code == 400


def test_simulated_cohort_is_asked_clicks_and_friends_register(program, capsys):
    feedback_plan(program=program, days_after_completion=1)
    referral_plan(program=program, delay_after_testimonial_days=1)
    call_command("simulate_cohort", "--program", "focus", "--students", "120", "--seed", "4", "--json")
    stages = json.loads(capsys.readouterr().out)["stages"]
    assert 0 < stages["asked"] <= stages["testimonial"]
    assert stages["link clicks"] > 0
    assert stages["friends registered"] > 0


def test_the_emails_preview_shows_every_journey_email_of_the_draft(admin_client, program):
    feedback_plan(program=program)
    referral_plan(program=program, reminder_after_days=4)
    draft = ProgramPage.objects.get(pk=program.pk)
    plan = draft.referral_plans.first()
    plan.ask_subject = "Draft: {{ ask_count }} families?"
    draft.referral_plans = [plan]
    draft.save_revision()  # a draft, not published
    response = admin_client.get(reverse("wagtailadmin_pages:view_draft", args=[program.pk]) + "?mode=emails")
    body = response.content.decode()
    assert response.status_code == 200
    for title in (
        "Feedback request",
        "Testimonial request",
        "The referral ask",
        "The one reminder",
        "a friend joined",
        "welcome",
        "your thank-you is ready",
        "your link still works for them",  # the one invitation, as it reads when it is allowed
        "a thank-you taken back",
    ):
        assert title in body
    assert "Draft: 1–3 families?" in body  # the draft's copy, with its merge fields rendered
    assert "cannot be rendered" not in body


MONEY_ASK = PLAN["ask_body"] + "\n\nAnd you earn $20 for every parent who joins!"


def test_an_ask_that_pays_for_referrals_fails_relevant_in_the_editor(admin_client):
    # The method's rule: the thank-you is never money. The live report and the publish check say so.
    url = reverse("campaigns_referral_check")
    payload = {**PLAN, "ask_body": MONEY_ASK, "mission_statement": "help 10,000 parents stay calm"}
    relevant = admin_client.post(url, json.dumps(payload), "application/json").json()["criteria"]["relevant"]
    assert relevant["met"] is False
    assert relevant["reason"].startswith("Relevant: offers money (“earn $20 for every parent”)")
    response = publish(admin_client, ask_body=MONEY_ASK)
    assert response.status_code == 200
    assert "Relevant: offers money" in response.content.decode()
    assert not ProgramPage.objects.filter(slug="calm-parents").exists()


def test_a_money_thank_you_shows_in_the_rendered_ask(admin_client):
    url = reverse("campaigns_referral_check")
    payload = {**PLAN, "thank_you_text": "A $25 gift card for every parent who joins", "mission_statement": "calm"}
    relevant = admin_client.post(url, json.dumps(payload), "application/json").json()["criteria"]["relevant"]
    assert relevant["reason"].startswith("Relevant: offers money (“$25 gift card for every parent”)")


# A new program's ask (moved here from tests/campaigns/test_program_defaults.py with the ask's code).

PARENTING = re.compile(r"\b(parents?|kids?|child(ren)?|famil(y|ies)|coach)\b", re.IGNORECASE)


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


def test_a_failed_publish_names_the_smart_i_reasons_once(admin_client):
    vague = "Hi {{ first_name }}, please help spread the word!"
    body = publish(admin_client, ask_subject="News", ask_body=vague).content.decode()
    assert len(re.findall(r"SMART-I \d/6", body)) == 1


def test_the_crediting_windows_cap_and_threshold_are_set_in_the_tab_and_zero_refund_days_is_allowed(admin_client):
    response = publish(admin_client, refund_window_days="0", attribution_window_days="30", review_threshold="5")
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = ReferralPlan.objects.get(program__slug="calm-parents")
    assert (plan.refund_window_days, plan.attribution_window_days, plan.review_threshold) == (0, 30, 5)
    assert (plan.reward_cap, plan.reward_cap_days, plan.review_threshold_days) == (10, 30, 7)


def test_an_attribution_window_of_zero_days_is_refused(admin_client):
    response = publish(admin_client, attribution_window_days="0")
    assert response.status_code == 200 and not ReferralPlan.objects.exists()
