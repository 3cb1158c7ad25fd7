"""Sharing prompts through the engine, as a student lives them: milestone → email → prompt page → done."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from campaigns import engine, links, services
from campaigns.models import ActionStatus, JourneyEvent, ScheduledAction
from mailers import services as mail_services
from mailers.models import Message
from sharing_prompts.models import PromptDelivery
from sharing_prompts.selectors import prompt_stats
from tests.factories import enroll, sharing_prompt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_outbox():
    mail.outbox = []


def reach_first_win(program, *, email="ann@example.org", now=None, **kwargs):
    now = now or timezone.now()
    kwargs.setdefault("marketing_consent", True)
    enrollment = enroll(
        program=program, email=email, now=now - timedelta(days=2), starts_at=now - timedelta(days=1), **kwargs
    )
    engine.tick(now=now - timedelta(days=1))
    milestone = program.milestones.get(slug="first-win")
    services.enrollment_record_milestone(
        enrollment=enrollment, milestone=milestone, source="platform", actor="test", now=now
    )
    return enrollment


def send_all(now):
    mail_services.messages_send_due(now=now)


def prompt_link(message) -> str:
    return re.search(r"https?://\S+/me/\S+/prompts/\d+/", message.body).group(0)


def test_reaching_a_milestone_sends_the_prompt_email_with_a_link_to_the_prompt_page(program, client):
    sharing_prompt(program=program)
    now = timezone.now()
    enrollment = reach_first_win(program, now=now)
    assert engine.tick(now=now).get("sharing_prompt") == 1
    send_all(now)

    delivery = PromptDelivery.objects.get(enrollment=enrollment)
    assert delivery.milestone_title == "First Win" and delivery.target_count == 3
    [email] = [m for m in mail.outbox if "First Win" in m.subject]
    assert email.subject == "You reached First Win: a moment worth sharing"
    assert "Tell 3 people close to you how it felt to reach First Win." in email.body
    assert "List-Unsubscribe" in email.extra_headers  # a marketing (program) email
    page = client.get(urlsplit(prompt_link(email)).path)
    assert page.status_code == 200
    assert "Tell 3 people close to you" in page.content.decode()
    assert JourneyEvent.objects.filter(enrollment=enrollment, kind="prompted").count() == 1


def test_tick_twice_and_replayed_milestone_send_one_prompt(program):
    sharing_prompt(program=program)
    now = timezone.now()
    enrollment = reach_first_win(program, now=now)
    engine.tick(now=now)
    engine.tick(now=now)
    services.enrollment_record_milestone(
        enrollment=enrollment,
        milestone=program.milestones.get(slug="first-win"),
        source="platform",
        actor="test",
        now=now,
    )
    engine.tick(now=now + timedelta(minutes=1))
    assert PromptDelivery.objects.filter(enrollment=enrollment).count() == 1
    assert Message.objects.filter(kind="sharing_prompt", student_id=enrollment.student_id).count() == 1


def test_milestone_without_a_prompt_sends_nothing(program):
    sharing_prompt(program=program, milestone_slug="halfway")
    now = timezone.now()
    reach_first_win(program, now=now)
    assert "sharing_prompt" not in engine.tick(now=now)
    assert not PromptDelivery.objects.exists()


def test_student_without_marketing_consent_sees_the_prompt_in_the_hub_but_gets_no_email(program):
    sharing_prompt(program=program)
    now = timezone.now()
    enrollment = reach_first_win(program, now=now, marketing_consent=False)
    engine.tick(now=now)
    assert PromptDelivery.objects.filter(enrollment=enrollment).exists()
    assert not Message.objects.filter(kind="sharing_prompt").exists()
    assert not ScheduledAction.objects.filter(kind="sharing_prompt_reminder").exists()


def completion_url(delivery):
    return links.hub_path(delivery.student_id, "sharing_prompts:prompt", delivery.pk)


def test_completing_is_idempotent_and_shows_on_the_timeline(program, client):
    sharing_prompt(program=program)
    now = timezone.now()
    enrollment = reach_first_win(program, now=now)
    engine.tick(now=now)
    delivery = PromptDelivery.objects.get(enrollment=enrollment)

    response = client.post(completion_url(delivery), {"people_count": "3", "reflection": "Told my sister."})
    assert response.status_code == 302 and response["Location"].endswith("?saved=1")
    assert "Thank you for sharing your win with 3 people" in client.get(response["Location"]).content.decode()
    response = client.post(completion_url(delivery), {"people_count": "4", "reflection": "And my dad."})
    assert response.status_code == 302

    assert PromptDelivery.objects.filter(enrollment=enrollment).count() == 1
    delivery.refresh_from_db()
    assert (delivery.people_count, delivery.reflection) == (4, "And my dad.")
    kinds = list(
        JourneyEvent.objects.filter(enrollment=enrollment, kind__startswith="prompt_").values_list("kind", flat=True)
    )
    assert kinds == ["prompt_completed", "prompt_updated"]


@pytest.mark.parametrize("count", ["0", "101", "-3", "three", "", "2.5"])
def test_count_outside_1_to_100_is_refused_and_nothing_is_written(program, client, count):
    sharing_prompt(program=program)
    now = timezone.now()
    enrollment = reach_first_win(program, now=now)
    engine.tick(now=now)
    delivery = PromptDelivery.objects.get(enrollment=enrollment)
    response = client.post(completion_url(delivery), {"people_count": count, "reflection": "kept"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "from 1 to 100" in body or "how many people you told" in body
    assert "kept" in body  # what they wrote is still in the form
    delivery.refresh_from_db()
    assert delivery.completed_at is None and delivery.people_count is None
    assert not JourneyEvent.objects.filter(kind="prompt_completed").exists()


def test_tampered_expired_and_someone_elses_links_get_a_clear_page_and_write_nothing(program, client, settings):
    sharing_prompt(program=program)
    now = timezone.now()
    mine = reach_first_win(program, now=now)
    theirs = reach_first_win(program, email="bob@example.org", now=now)
    engine.tick(now=now)
    my_delivery = PromptDelivery.objects.get(enrollment=mine)
    their_delivery = PromptDelivery.objects.get(enrollment=theirs)

    url = completion_url(my_delivery)
    tampered = url.replace("/me/", "/me/x")
    response = client.post(tampered, {"people_count": "2"})
    assert response.status_code == 403 and "This link does not work" in response.content.decode()

    someone_elses = url.replace(f"/prompts/{my_delivery.pk}/", f"/prompts/{their_delivery.pk}/")
    response = client.post(someone_elses, {"people_count": "2"})
    assert response.status_code == 404 and "not in your hub" in response.content.decode()

    settings.HUB_LINK_MAX_AGE = 0
    response = client.get(url)
    assert response.status_code == 403 and "This link has expired" in response.content.decode()
    assert "Email me a fresh link" in response.content.decode()
    assert not PromptDelivery.objects.filter(completed_at__isnull=False).exists()


def share_hrefs(body: str) -> list[str]:
    return re.findall(r'data-share="[a-z]+" href="([^"]+)"', body)


def test_share_buttons_carry_the_students_words_and_no_link_or_offer(program, client):
    """Before the student writes, the buttons share a neutral line: the creator's example is shown
    as a hint, never sent as if the student had written it; once they saved, their own words go."""
    sharing_prompt(program=program)
    now = timezone.now()
    enrollment = reach_first_win(program, now=now)
    engine.tick(now=now)
    delivery = PromptDelivery.objects.get(enrollment=enrollment)
    body = client.get(completion_url(delivery)).content.decode()
    assert "I did it: First Win! I feel calmer than I have in years." in body  # the hint
    hrefs = share_hrefs(body)
    assert [h.split("?")[0] for h in hrefs] == [
        "mailto:",
        "https://wa.me/",
        "https://www.linkedin.com/feed/",
        "https://x.com/intent/post",
    ]
    for href in hrefs:
        assert "I%20did%20it" not in href and "calmer" not in href
        assert "I%20just%20reached%20%E2%80%9CFirst%20Win%E2%80%9D" in href
    assert "/r/" not in body and "%2Fr%2F" not in body
    # The share box comes before the count form.
    assert body.index('id="share-heading"') < body.index('id="id_people_count"')

    client.post(completion_url(delivery), {"people_count": "2", "reflection": "Told my mum. It felt good."})
    hrefs = share_hrefs(client.get(completion_url(delivery)).content.decode())
    assert hrefs and all("Told%20my%20mum.%20It%20felt%20good." in h for h in hrefs)


def test_a_refused_count_keeps_the_words_in_the_share_buttons(program, client):
    sharing_prompt(program=program)
    now = timezone.now()
    enrollment = reach_first_win(program, now=now)
    engine.tick(now=now)
    delivery = PromptDelivery.objects.get(enrollment=enrollment)
    response = client.post(completion_url(delivery), {"people_count": "0", "reflection": "My own words here."})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'aria-invalid="true" aria-describedby="people-error"' in body
    assert all("My%20own%20words%20here." in h for h in share_hrefs(body))


def test_one_reminder_only_while_not_completed(program):
    sharing_prompt(program=program, reminder_after_days=3)
    now = timezone.now()
    done = reach_first_win(program, email="done@example.org", now=now)
    waiting = reach_first_win(program, email="waiting@example.org", now=now)
    engine.tick(now=now)
    from sharing_prompts.services import delivery_complete

    delivery_complete(delivery=PromptDelivery.objects.get(enrollment=done), people_count=2, now=now)
    assert engine.tick(now=now + timedelta(days=3, minutes=1)).get("sharing_prompt_reminder") == 1
    engine.tick(now=now + timedelta(days=9))
    reminders = Message.objects.filter(kind="sharing_prompt_reminder")
    assert [m.to_email for m in reminders] == ["waiting@example.org"]
    assert ScheduledAction.objects.get(enrollment=done, kind="sharing_prompt_reminder").status == ActionStatus.CANCELLED
    assert JourneyEvent.objects.filter(enrollment=waiting, kind="prompt_reminded").count() == 1


def test_no_reminder_after_unsubscribe(program):
    sharing_prompt(program=program, reminder_after_days=2)
    now = timezone.now()
    enrollment = reach_first_win(program, now=now)
    engine.tick(now=now)
    mail_services.contact_unsubscribe(email=enrollment.student.email, now=now)
    engine.tick(now=now + timedelta(days=3))
    assert not Message.objects.filter(kind="sharing_prompt_reminder").exists()


def test_stats_show_completion_rate_people_reached_and_median_time(program):
    sharing_prompt(program=program)
    now = timezone.now()
    enrollments = [reach_first_win(program, email=f"s{i}@example.org", now=now) for i in range(4)]
    engine.tick(now=now)
    from sharing_prompts.services import delivery_complete

    for hours, enrollment in zip((2, 4, 30), enrollments, strict=False):
        delivery_complete(
            delivery=PromptDelivery.objects.get(enrollment=enrollment),
            people_count=3,
            now=now + timedelta(hours=hours),
        )
    rows = {row.milestone: row for row in prompt_stats(program_id=program.pk)}
    first = rows["First Win"]
    assert (first.prompted, first.completed, first.people_reached) == (4, 3, 9)
    assert first.completion_rate == 75.0
    assert first.median_time_to_complete == timedelta(hours=4)
    assert rows["All milestones"].prompted == 4
    assert prompt_stats(program_id=program.pk, cohort="no-such-cohort") == []
