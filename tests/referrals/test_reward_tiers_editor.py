"""The creator edits thank-you tiers and the plan's thank-you in the program editor: good tiers publish,
bad ones are refused with a clear message and nothing saved, and the ask's report reads the tiers'
promise (money there fails it, as anywhere in the ask)."""

import json

import pytest
from django.urls import reverse

from campaigns.models import ProgramPage
from referrals.rewards.models import RewardTier
from tests.factories import add_url, program_form, program_page
from tests.referrals.test_editor import PLAN

pytestmark = pytest.mark.django_db


def tier(friends, kind="gift", description="a signed book", **fields):
    return {
        "friends": str(friends),
        "kind": kind,
        "description": description,
        "booking_url": "",
        "target_program": "",
        "target_ref": "",
        **fields,
    }


def save(admin_client, tiers, *, publish=True, **plan):
    data = program_form(referral_plans=[{**PLAN, **plan}], reward_tiers=tiers)
    if publish:
        data["action-publish"] = "publish"
    return admin_client.post(add_url(), data)


def test_good_tiers_publish_and_are_kept_in_order(admin_client):
    other = program_page(slug="advanced", title="Advanced")
    tiers = [
        tier(1, "booking_link", "a bonus session", booking_url="https://cal.example.org/b"),
        tier(3, "program_access", "the Advanced course", target_program=str(other.pk)),
        tier(5, "early_access", "the new module before launch", target_ref="module-9"),
    ]
    response = save(admin_client, tiers)
    assert response.status_code == 302, response.content.decode()[-3000:]
    saved = list(RewardTier.objects.order_by("sort_order").values_list("friends", "kind", "target_program_id"))
    assert saved == [(1, "booking_link", None), (3, "program_access", other.pk), (5, "early_access", None)]


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ([tier(3), tier(3, description="a mug")], "Two tiers are at 3 friends: give each tier its own number"),
        ([tier(5), tier(3)], "Put the tiers in order, fewest friends first (now 5, 3)."),
        ([tier(0)], "A tier is reached by 1 friend at least."),
        ([tier(101)], "A tier is reached by 100 friends at most."),
        ([tier("two")], "Enter a whole number."),
        ([tier(1, description="")], "This field is required."),
        ([tier(1, "booking_link", "a session")], "A booking link needs the address where they book."),
        ([tier(1, "program_access", "a course")], "Choose the program they get, or name it as your platform knows it."),
        ([tier(1, "money")], "Select a valid choice."),
    ],
    ids=["duplicate", "descending", "zero", "too-many", "not-a-number", "no-words", "no-url", "no-target", "money"],
)
def test_bad_tiers_are_refused_with_a_clear_message_and_nothing_saved(admin_client, tiers, message):
    # A draft is checked too (a tier is a rule, not copy), except for a field left empty: Wagtail lets a
    # draft leave required fields for later, and publishing asks for them.
    for publish in (True, False) if tiers[0]["description"] else (True,):
        response = save(admin_client, tiers, publish=publish)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not ProgramPage.objects.filter(slug="calm-parents").exists()
    assert not RewardTier.objects.exists()


def test_a_tier_promising_money_fails_the_asks_report(admin_client):
    response = save(admin_client, [tier(1, "gift", "a $25 gift card for every parent")])
    assert response.status_code == 200
    assert "Relevant: offers money" in response.content.decode()
    assert not ProgramPage.objects.filter(slug="calm-parents").exists()


def test_access_to_this_same_program_is_refused(admin_client, program):
    # Editing an existing program: its own page is not a thank-you for its graduates.
    url = reverse("wagtailadmin_pages:edit", args=[program.pk])
    data = program_form(
        title=program.title,
        slug=program.slug,
        referral_plans=[{**PLAN, "reward_kind": "program_access", "reward_target_program": str(program.pk)}],
        reward_tiers=[],
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Choose another program: graduates of this one are in it already." in response.content.decode()


@pytest.mark.parametrize(
    ("plan", "field_message"),
    [
        ({"thank_you_text": "   "}, "Say in plain words what the graduate gets, or choose “No thank-you”."),
        ({"reward_kind": "early_access"}, "Choose the program they get, or name it as your platform knows it."),
    ],
)
def test_the_plans_own_thank_you_needs_words_and_a_target(admin_client, plan, field_message):
    response = save(admin_client, [], **plan)
    assert response.status_code == 200 and field_message in response.content.decode()
    assert not ProgramPage.objects.filter(slug="calm-parents").exists()


def test_no_thank_you_needs_no_words_and_the_ask_promises_none(admin_client):
    response = save(admin_client, [], reward_kind="none", thank_you_text="")
    assert response.status_code == 302, response.content.decode()[-2000:]


def test_the_emails_preview_promises_the_drafts_tiers(admin_client):
    response = save(admin_client, [tier(1, "gift", "a mug"), tier(3, "gift", "a tote bag")])
    assert response.status_code == 302, response.content.decode()[-2000:]
    program = ProgramPage.objects.get(slug="calm-parents")
    response = admin_client.get(reverse("wagtailadmin_pages:view_draft", args=[program.pk]) + "?mode=emails")
    body = response.content.decode()
    assert "As our thank-you: when 1 friend joins, a mug; when 3 friends join, a tote bag." in body


def test_the_live_report_reads_the_tiers_being_typed(admin_client):
    url = reverse("campaigns_referral_check")
    base = {**PLAN, "mission_statement": "help 10,000 parents stay calm"}
    good = {**base, "tiers": [{"friends": "1", "description": "a mug"}, {"friends": "x"}, "junk"]}
    assert admin_client.post(url, json.dumps(good), "application/json").json()["score"] == 6
    money = {**base, "tiers": [{"friends": "1", "description": "a $25 gift card for every parent"}]}
    relevant = admin_client.post(url, json.dumps(money), "application/json").json()["criteria"]["relevant"]
    assert relevant["met"] is False and "offers money" in relevant["reason"]
    bad = {**base, "tiers": "not a list"}
    assert admin_client.post(url, json.dumps(bad), "application/json").status_code == 200
