"""The creator's side: writing prompts in the program editor, the non-salesy check, preview, test send, stats."""

import json

import pytest
from django.core import mail
from django.urls import reverse

from campaigns.models import ProgramPage
from sharing_prompts.models import SharingPrompt
from tests.factories import add_url, program_form, sharing_prompt

pytestmark = pytest.mark.django_db

HONEST = {
    "milestone_slug": "first-win",
    "email_subject": "You reached {{ milestone_title }}",
    "ask": "Tell {{ target_count }} people close to you how it felt to reach your first milestone.",
    "target_count": "3",
    "suggest_conversation": "on",
    "suggest_message": "on",
    "example_reflection": "This week I stayed calm when my son melted down. I am proud of that.",
    "reminder_after_days": "3",
    "override_reason": "",
}
SALESY_ASK = "Sign up for the next cohort at https://shop.example.com/checkout and use code CALM20 for 20% off!"


def publish(admin_client, prompts, **overrides):
    data = {**program_form(sharing_prompts=prompts, **overrides), "action-publish": "publish"}
    return admin_client.post(add_url(), data)


def test_creator_publishes_an_honest_prompt(admin_client):
    response = publish(admin_client, [HONEST])
    assert response.status_code == 302, response.content.decode()[:3000]
    prompt = SharingPrompt.objects.get(program__slug="calm-parents")
    assert prompt.ask.startswith("Tell {{ target_count }} people")
    assert prompt.channels == ["conversation", "message"]
    assert prompt.reminder_after_days == 3


def test_salesy_prompt_cannot_be_published_and_each_phrase_is_listed(admin_client):
    response = publish(admin_client, [{**HONEST, "ask": SALESY_ASK}])
    assert response.status_code == 200
    body = response.content.decode()
    assert "Reads as selling" in body
    for phrase in ("Sign up", "CALM20", "20% off"):
        assert phrase in body
    assert not ProgramPage.objects.filter(slug="calm-parents").exists()


def test_salesy_draft_may_be_saved(admin_client):
    data = program_form(sharing_prompts=[{**HONEST, "ask": SALESY_ASK}])
    response = admin_client.post(add_url(), data)  # "Save draft"
    assert response.status_code == 302
    assert not ProgramPage.objects.get(slug="calm-parents").live


def test_override_needs_a_reason_and_is_recorded_in_the_revision(admin_client):
    salesy = {**HONEST, "ask": SALESY_ASK, "publish_despite_findings": "on"}
    response = publish(admin_client, [salesy])
    assert response.status_code == 200 and "Say why these phrases are fine here" in response.content.decode()

    response = publish(admin_client, [{**salesy, "override_reason": "Alumni-only reunion, agreed with legal"}])
    assert response.status_code == 302
    page = ProgramPage.objects.get(slug="calm-parents")
    content = page.live_revision.content
    [prompt] = content["sharing_prompts"]
    assert prompt["publish_despite_findings"] is True
    assert prompt["override_reason"] == "Alumni-only reunion, agreed with legal"


def test_unknown_merge_field_and_unknown_milestone_cannot_be_published(admin_client):
    response = publish(admin_client, [{**HONEST, "ask": "Tell {{ frist_name }} about it.", "milestone_slug": "nope"}])
    assert response.status_code == 200
    body = response.content.decode()
    assert "Unknown merge field {{ frist_name }}" in body
    assert "No milestone &#x27;nope&#x27; in this program; milestones: first-win, halfway." in body


def test_two_prompts_for_one_milestone_are_refused(admin_client):
    response = publish(admin_client, [HONEST, {**HONEST, "ask": "Tell one friend."}])
    assert response.status_code == 200
    assert "one prompt per milestone" in response.content.decode()


@pytest.mark.parametrize("count", ["0", "11"])
def test_target_count_is_1_to_10(admin_client, count):
    response = publish(admin_client, [{**HONEST, "target_count": count}])
    assert response.status_code == 200
    assert not ProgramPage.objects.filter(slug="calm-parents").exists()


def test_live_check_endpoint_reports_findings_and_merge_problems(admin_client):
    url = reverse("sharing_prompts_check")
    report = admin_client.post(url, json.dumps({"ask": SALESY_ASK, "subject": "Hi {{ nme }}"}), "application/json")
    data = report.json()
    assert data["salesy"] is True
    assert {"Sign up", "CALM20"} <= {f["phrase"] for f in data["findings"]}
    assert "Unknown merge field {{ nme }}" in data["merge_problems"]["email_subject"][0]
    clean = admin_client.post(url, json.dumps({"ask": HONEST["ask"]}), "application/json").json()
    assert clean == {"merge_problems": {}, "salesy": False, "findings": []}
    assert admin_client.post(url, "not json", "application/json").status_code == 400
    assert admin_client.get(url).status_code == 405


def test_live_check_needs_an_admin_login(client):
    response = client.post(reverse("sharing_prompts_check"), "{}", "application/json")
    assert response.status_code in (302, 403)


def test_preview_shows_each_prompt_email_and_page_as_a_student_sees_it(admin_client, program):
    sharing_prompt(program=program)
    response = admin_client.get(reverse("wagtailadmin_pages:view_draft", args=[program.pk]) + "?mode=sharing_prompts")
    body = response.content.decode()
    assert response.status_code == 200
    assert "After “First Win”" in body
    assert "Tell 3 people close to you how it felt to reach First Win." in body
    assert "nothing reads as selling" in body


def test_send_test_sends_the_latest_draft_to_the_editor(admin_client, program):
    sharing_prompt(program=program)
    mail.outbox = []
    response = admin_client.post(
        reverse("sharing_prompts_send_test", args=[program.pk]), {"milestone_slug": "first-win"}
    )
    assert response.status_code == 302
    [sent] = mail.outbox
    assert sent.to == ["alice@example.org"]
    assert sent.subject == "[Test] You reached First Win: a moment worth sharing"
    assert "Tell 3 people close to you" in sent.body

    response = admin_client.post(reverse("sharing_prompts_send_test", args=[program.pk]), {"milestone_slug": "nope"})
    assert response.status_code == 302 and len(mail.outbox) == 1


def test_stats_page_lists_programs_and_filters_by_cohort(admin_client, program):
    sharing_prompt(program=program)
    response = admin_client.get(reverse("sharing_prompts_stats"))
    assert response.status_code == 200 and "No prompts sent yet" in response.content.decode()
    response = admin_client.get(reverse("sharing_prompts_stats"), {"program": "abc", "cohort": "x" * 500})
    assert response.status_code == 200


def test_send_from_the_preview_sends_the_previewed_copy_and_answers_in_its_own_tab(admin_client, program):
    sharing_prompt(program=program)
    mail.outbox = []
    response = admin_client.post(
        reverse("sharing_prompts_send_test", args=[program.pk]),
        {
            "milestone_slug": "first-win",
            "email_subject": "Unsaved subject for {{ milestone_title }}",
            "ask": "UNSAVED: tell {{ target_count }} friends.",
            "target_count": "2",
            "from_preview": "1",
        },
    )
    assert response.status_code == 200 and "You can close this tab" in response.content.decode()
    [sent] = mail.outbox
    assert sent.subject == "[Test] Unsaved subject for First Win"
    assert "UNSAVED: tell 2 friends." in sent.body
    broken = admin_client.post(
        reverse("sharing_prompts_send_test", args=[program.pk]),
        {"milestone_slug": "first-win", "email_subject": "Hi {{ nope }}", "ask": "x", "from_preview": "1"},
    )
    assert broken.status_code == 200 and "Not sent" in broken.content.decode()


def test_money_urgency_and_perks_are_listed_live_and_block_publishing(admin_client):
    # Issue 12: the editor shows these kinds with their reasons, as it does a price or a sign-up call.
    ask = "Anyone who joins gets a free bonus call, doors close soon, and you earn $20 for every friend."
    data = admin_client.post(reverse("sharing_prompts_check"), json.dumps({"ask": ask}), "application/json").json()
    reasons = {f["phrase"]: f["reason"] for f in data["findings"]}
    assert reasons["free bonus call"].startswith("A gift, bonus or perk promised to people who join")
    assert reasons["doors close soon"].startswith("Urgency or scarcity")
    assert reasons["earn $20 for every friend"].endswith("the thank-you is never money.")
    response = publish(admin_client, [{**HONEST, "ask": ask}])
    assert response.status_code == 200 and "the thank-you is never money" in response.content.decode()
    assert not ProgramPage.objects.filter(slug="calm-parents").exists()
