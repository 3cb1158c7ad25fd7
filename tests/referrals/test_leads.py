"""Friends registering through a special link (referrals/leads.py): a public form never changes an
existing person, and nothing happens before the owner of the address confirms it."""

from datetime import timedelta

import pytest
from django.core import signing
from django.core.exceptions import ValidationError

from campaigns import services
from campaigns.models import Enrollment, JourneyEvent, Student
from mailers.models import Message
from referrals import leads
from referrals.models import FriendLead
from tests.factories import feedback_plan, program_page, referral_plan
from tests.referrals.friend_cases import (
    NOW,
    graduate_link,
    maria_of_calm,
    sam_of_sleep,
    student_snapshot,
)

pytestmark = pytest.mark.django_db


def token_of(lead: FriendLead) -> str:
    path = Message.objects.filter(kind="friend_confirm", to_email=lead.email).latest("created_at").context
    return path["confirm_url"].rstrip("/").rsplit("/", 1)[-1]


def test_registration_records_a_pending_lead_and_sends_only_the_confirmation():
    link = sam_of_sleep(now=NOW)
    before = Message.objects.count()
    lead = leads.lead_register(link=link, first_name="Jo", email="jo@example.org", inviter="Sam", now=NOW)
    assert lead.status == "pending" and lead.link is None and lead.via_link == link and lead.confirmed_at is None
    assert lead.consent_at is None  # the marketing box is a choice of its own, not part of registering
    [message] = Message.objects.filter(to_email="jo@example.org")
    assert message.kind == "friend_confirm" and message.category == "transactional" and message.to_name == ""
    assert Message.objects.count() == before + 1
    assert not Student.objects.filter(email="jo@example.org").exists()
    assert not JourneyEvent.objects.filter(kind__in=["friend_registered", "enrolled"], student__email="jo@example.org")
    assert message.context["referrer_name"] == "Sam" and "/confirm/" in message.context["confirm_url"]


def test_confirming_enrolls_credits_and_tells_once_and_a_replay_changes_nothing():
    link = sam_of_sleep(now=NOW)
    lead = leads.lead_register(link=link, first_name="Jo", email="jo@example.org", marketing_consent=True, now=NOW)
    later = NOW + timedelta(hours=3)
    confirmed = leads.lead_confirm(lead_id=lead.pk, now=later)
    assert confirmed.status == "enrolled" and confirmed.link == link and confirmed.confirmed_at == later
    for _ in range(2):  # a replayed link, a double click
        again = leads.lead_confirm(lead_id=lead.pk, now=later + timedelta(days=1))
        assert again.confirmed_at == later
    student = Student.objects.get(email="jo@example.org")
    assert Enrollment.objects.filter(student=student).count() == 1
    assert JourneyEvent.objects.filter(kind="friend_registered").count() == 1
    assert JourneyEvent.objects.filter(kind="enrolled", student=student).count() == 1
    assert Message.objects.filter(kind="friend_welcome").count() == 1
    assert Message.objects.filter(kind="friend_joined", to_email="sam@example.org").count() == 1
    # A new student who ticked the box: consent, time-stamped when the owner of the address confirmed.
    assert student.marketing_consent and student.marketing_consent_at == later
    assert (student.first_name, student.last_name) == ("Jo", "")


def test_without_the_box_a_new_friend_gets_transactional_mail_only():
    program = program_page(slug="sleep", milestones=[("first-win", 7)])
    feedback_plan(program=program, after_milestone_slug="first-win")
    link = graduate_link(program, email="sam@example.org", first_name="Sam", now=NOW)
    lead = leads.lead_register(link=link, first_name="Jo", email="jo@example.org", now=NOW)
    leads.lead_confirm(lead_id=lead.pk, now=NOW)
    student = Student.objects.get(email="jo@example.org")
    assert not student.marketing_consent and student.marketing_consent_at is None
    welcome = Message.objects.get(kind="friend_welcome")
    assert "You did not ask for program emails" in welcome.context["mail_line"]
    # Their first win: a feedback request is program (marketing) mail, and they did not ask for it.
    enrollment = Enrollment.objects.get(student=student)
    from campaigns import engine

    engine.tick(now=enrollment.starts_at + timedelta(minutes=1))
    services.enrollment_record_milestone(
        enrollment=enrollment,
        milestone=program.milestones.get(slug="first-win"),
        source="t",
        actor="t",
        now=enrollment.starts_at + timedelta(days=1),
    )
    engine.tick(now=enrollment.starts_at + timedelta(days=1, minutes=1))
    mine = Message.objects.filter(to_email="jo@example.org")
    assert set(mine.values_list("category", flat=True)) == {"transactional"}
    assert set(mine.values_list("kind", flat=True)) == {"friend_confirm", "friend_welcome"}


def test_the_welcome_says_when_they_start_how_to_begin_and_what_the_offer_gives_until_when():
    launch = (NOW + timedelta(days=40)).date()
    sleep = program_page(slug="sleep", registration_status="closed", next_launch_on=launch)
    referral_plan(program=sleep, friend_offer_text="a place in the January cohort while it is closed")
    link = graduate_link(sleep, email="sam@example.org", first_name="Sam", now=NOW)
    until = NOW + timedelta(days=9)
    lead = leads.lead_register(link=link, first_name="Jo", email="jo@example.org", offer_until=until, now=NOW)
    leads.lead_confirm(lead_id=lead.pk, now=NOW + timedelta(hours=1))
    values = Message.objects.get(kind="friend_welcome").context
    assert values["start_line"].startswith(f"your cohort starts on {launch:%A %-d %B %Y}")
    assert "/me/" in values["hub_url"]
    assert values["offer_line"] == (
        f"a place in the January cohort while it is closed, through your link until {until:%-d %B %Y}."
    )
    assert values["referrer_name"] == "Sam"
    # A discount says its code.
    shop = program_page(slug="shop")
    referral_plan(program=shop, friend_offer="discount", friend_offer_text="20% off", discount_code="SAM20")
    link = graduate_link(shop, email="sam@example.org", first_name="Sam", now=NOW)
    lead = leads.lead_register(link=link, first_name="Jo", email="jo@example.org", offer_until=until, now=NOW)
    leads.lead_confirm(lead_id=lead.pk, now=NOW)
    values = Message.objects.get(kind="friend_welcome", program_id=shop.pk).context
    assert values["offer_line"].startswith("20% off (your code: SAM20), through your link until")
    assert values["start_line"].startswith("today")


def test_an_existing_student_of_another_program_is_never_renamed_or_re_consented():
    maria = maria_of_calm(now=NOW)
    link = sam_of_sleep(now=NOW)
    before = student_snapshot(maria.student_id)
    lead = leads.lead_register(
        link=link,
        first_name="Mallory",
        last_name="Imposter",
        email="MARIA@example.org",
        marketing_consent=True,  # a re-consent attempt: Maria said no
        share_name=True,  # and, confirmed by her, she is named to Sam
        now=NOW,
    )
    assert student_snapshot(maria.student_id) == before  # registering changes nobody
    assert list(Message.objects.filter(to_email__iexact="maria@example.org").values_list("kind", flat=True)) == [
        "friend_confirm"
    ]
    leads.lead_confirm(lead_id=lead.pk, now=NOW + timedelta(hours=1))
    assert student_snapshot(maria.student_id) == before  # nor does confirming: a place, not a new name
    assert Student.objects.filter(email__iexact="maria@example.org").count() == 1
    assert Enrollment.objects.filter(student_id=maria.student_id, program=link.program).exists()
    welcome = Message.objects.get(kind="friend_welcome")
    assert welcome.to_name == "Maria Lopez" and "At milestones" not in welcome.context["mail_line"]
    joined = Message.objects.get(kind="friend_joined")
    assert joined.context["friend_name"] == "Maria"  # her own name, not the one typed into the form


def test_an_alias_of_an_existing_students_inbox_is_that_student():
    maria = maria_of_calm(now=NOW)
    link = sam_of_sleep(now=NOW)
    before = student_snapshot(maria.student_id)
    lead = leads.lead_register(link=link, first_name="Mallory", email="maria+sleep@example.org", now=NOW)
    leads.lead_confirm(lead_id=lead.pk, now=NOW)
    assert student_snapshot(maria.student_id) == before
    assert not Student.objects.filter(email="maria+sleep@example.org").exists()  # one person, one student
    assert Enrollment.objects.filter(student_id=maria.student_id, program=link.program).exists()


def test_student_enroll_keeps_an_existing_students_details_when_told_to():
    program = program_page(slug="calm")
    services.student_upsert(email="ann@example.org", first_name="Ann", marketing_consent=False, now=NOW)
    enrollment = services.student_enroll(
        email="ANN@example.org",
        program=program,
        first_name="Mallory",
        last_name="X",
        marketing_consent=True,
        time_zone="Asia/Tokyo",
        keep_existing=True,
        actor="t",
        now=NOW,
    )
    student = enrollment.student
    assert (student.first_name, student.last_name, student.marketing_consent, student.time_zone) == (
        "Ann",
        "",
        False,
        "UTC",
    )


def test_a_repeat_registration_sends_a_fresh_link_only_once_the_last_one_expired():
    link = sam_of_sleep(now=NOW)
    leads.lead_register(link=link, first_name="Jo", email="jo@example.org", now=NOW)
    leads.lead_register(link=link, first_name="Jo", email="jo@example.org", now=NOW + timedelta(days=6))
    assert Message.objects.filter(kind="friend_confirm").count() == 1  # no inbox flooding through the form
    expired = NOW + timedelta(seconds=leads.CONFIRM_MAX_AGE)
    leads.lead_register(link=link, first_name="Someone", email="Jo+x@example.org", now=expired)
    assert Message.objects.filter(kind="friend_confirm").count() == 2
    lead = FriendLead.objects.get()
    assert lead.first_name == "Jo" and lead.confirmation_sent_at == expired  # a repeat renames no lead either


def test_confirmation_tokens_are_bound_to_their_lead_and_link_and_expire():
    link = sam_of_sleep(now=NOW)
    lead = leads.lead_register(link=link, first_name="Jo", email="jo@example.org", now=NOW)
    token = token_of(lead)
    assert leads.read_confirm_token(token, code=link.code, now=NOW).lead == lead
    assert leads.read_confirm_token(token, code="OTHER234", now=NOW).problem == "invalid"
    assert leads.read_confirm_token(token[:-2] + "xx", code=link.code, now=NOW).problem == "invalid"
    forged = signing.dumps({"l": lead.pk, "e": "jo@example.org", "c": link.code, "t": 0}, salt="another salt")
    assert leads.read_confirm_token(forged, code=link.code, now=NOW).problem == "invalid"
    FriendLead.objects.filter(pk=lead.pk).update(email="someone@example.org")  # not the address it was sent to
    assert leads.read_confirm_token(token, code=link.code, now=NOW).problem == "invalid"
    FriendLead.objects.filter(pk=lead.pk).update(email="jo@example.org")
    last_second = NOW + timedelta(seconds=leads.CONFIRM_MAX_AGE - 1)
    assert leads.read_confirm_token(token, code=link.code, now=last_second).ok
    week_later = NOW + timedelta(seconds=leads.CONFIRM_MAX_AGE)
    assert leads.read_confirm_token(token, code=link.code, now=week_later).problem == "expired"


@pytest.mark.parametrize("field", ["first_name", "last_name"])
@pytest.mark.parametrize("name", ["evil.Com", "Visit EVIL-PHISH.COM", "www.x.test", "Jo https://x", "+44 20 7946 0958"])
def test_the_service_refuses_names_that_carry_a_message(field, name):
    link = sam_of_sleep(now=NOW)
    data = {"first_name": "Jo", "last_name": "", field: name}
    with pytest.raises(ValidationError) as refused:
        leads.lead_register(link=link, email="jo@example.org", now=NOW, **data)
    assert field in refused.value.message_dict
    assert not FriendLead.objects.exists() and not Message.objects.filter(kind="friend_confirm").exists()


def test_a_lead_keeps_the_inbox_its_address_reaches_and_is_found_by_any_alias():
    link = sam_of_sleep(now=NOW)
    lead = leads.lead_register(link=link, first_name="Jo", email="Jo.Ann+news@googlemail.com", now=NOW)
    assert FriendLead.objects.get(pk=lead.pk).inbox == "joann@gmail.com"
    again = leads.lead_register(link=link, first_name="Jo", email="joann+2@gmail.com", now=NOW)
    assert again.pk == lead.pk and FriendLead.objects.count() == 1  # one lead per inbox
    lead.email = "bo@example.org"
    lead.save(update_fields=["email"])  # the inbox follows the address, whatever the fields saved
    assert FriendLead.objects.get(pk=lead.pk).inbox == "bo@example.org"
