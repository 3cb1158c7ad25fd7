"""The team's own emails as staff meet them: the daily rewards digest (once a day, only when something
waits, with its counts and links), the weekly summary (once a week, last week's numbers and the change,
what waits), each staff user's opt-out, what each may see, all on a frozen clock in the site's time zone
(Asia/Tokyo: no daylight saving time), at 23:30 and across the Sunday/Monday boundary too."""

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from wagtail.models import GroupPagePermission

from campaigns.models import Enrollment, JourneyEvent
from cms import tasks
from cms.models import StaffEmailPreferences, StaffEmailRun
from cms.staff_emails import services
from mailers import rendering, runner
from mailers.models import Category, Message
from mailers.runner import registered_tasks
from referrals.conversions.models import Conversion
from referrals.conversions.models import Status as ConversionStatus
from referrals.rewards.models import Reward, RewardKind, RewardStatus
from testimonials.events import FeedbackEvent
from testimonials.models import FeedbackResponse, SupportCase
from tests.factories import StudentFactory, program_page, testimonial

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def at(year, month, day, hour, minute=0):
    """A moment given in the site's time zone (Tokyo), as an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO).astimezone(UTC)


# Wednesday 2 December 2026; Monday 30 November starts the week.
MORNING = at(2026, 12, 2, 8, 0)


@pytest.fixture(autouse=True)
def site_time(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    settings.STAFF_DIGEST_TIME = datetime.strptime("08:00", "%H:%M").time()
    settings.STAFF_WEEKLY_TIME = datetime.strptime("08:00", "%H:%M").time()
    settings.STAFF_WEEKLY_DAY = 0  # Monday


@pytest.fixture
def other(db):
    return program_page(slug="calm", title="Calm <b>kids</b> {{ first_name }}")


def conversion(program, status=ConversionStatus.REVIEW, simulated=False, n=[0]):  # noqa: B006 - a counter
    n[0] += 1
    return Conversion.objects.create(
        program=program,
        friend_email=f"friend{n[0]}@example.org",
        friend_inbox=f"friend{n[0]}@example.org",
        graduate=StudentFactory(simulated=simulated),
        status=status,
    )


def gift(program, *, address: bool, status=RewardStatus.RELEASED, simulated=False):
    shipping = {"ship_name": "Jo", "ship_line1": "1 Main St", "ship_city": "Lyon", "ship_country": "France"}
    return Reward.objects.create(
        student=StudentFactory(simulated=simulated),
        program=program,
        number=1,
        kind=RewardKind.GIFT,
        status=status,
        **(shipping if address else {}),
    )


def messages(kind="staff_daily_digest"):
    return list(Message.objects.filter(kind=kind).order_by("to_email", "pk"))


def text_of(message):
    return rendering.render(
        kind_name=message.kind, to_email=message.to_email, to_name=message.to_name, context=message.context
    )


def staff(django_user_model, username, *, programs=(), codenames=(), **fields):
    """A team member who reaches the admin, may edit ``programs`` and holds ``codenames``."""
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "pw-12345-abc", **fields)
    group = Group.objects.create(name=f"team-{username}")
    group.permissions.add(*Permission.objects.filter(codename__in=["access_admin", *codenames]))
    for program in programs:
        GroupPagePermission.objects.create(
            group=group, page=program, permission=Permission.objects.get(codename="change_page")
        )
    user.groups.add(group)
    return user


# --- The daily digest ------------------------------------------------------------------


def test_nothing_waiting_sends_nothing_and_the_day_is_done(admin_user, program):
    conversion(program, status=ConversionStatus.APPROVED)  # decided: nothing to review
    gift(program, address=True, status=RewardStatus.FULFILLED)  # shipped already
    conversion(program, simulated=True)  # simulate_cohort's: nobody's
    gift(program, address=True, simulated=True)
    assert services.staff_emails_due(now=MORNING)["daily_digest"] == 0
    assert messages() == []
    run = StaffEmailRun.objects.get(kind="daily_digest")
    assert (run.period.isoformat(), run.sent) == ("2026-12-02", 0)
    assert services.staff_emails_due(now=MORNING + timedelta(hours=2))["daily_digest"] is None


def test_one_digest_a_day_with_the_counts_per_program_and_the_links(admin_user, program, other):
    conversion(program)
    conversion(program)
    conversion(other)
    conversion(program, simulated=True)  # not counted
    gift(program, address=True)
    gift(program, address=False)
    gift(other, address=False)
    assert services.staff_emails_due(now=MORNING)["daily_digest"] == 1
    [message] = messages()
    assert message.to_email == "alice@example.org" and message.category == Category.TRANSACTIONAL
    assert message.student_id is None  # an operator's email: no student's budget
    rendered = text_of(message)
    assert rendered.subject == "Rewards waiting: 3 to review, 1 to ship, 2 waiting for the graduate"
    text = rendered.text
    focus = text.index("Program focus")
    calm = text.index("Calm <b>kids</b> {{ first_name }}")  # the title as typed, never merged
    assert calm < focus  # by title
    assert "- 2 conversions held for review\n- 1 gift to ship" in text[focus:]
    assert "- 1 gift waiting for the graduate" in text[focus:]
    assert "- 1 conversion held for review\n- 1 gift waiting for the graduate" in text[calm:focus]
    base = django_settings.WAGTAILADMIN_BASE_URL
    assert f"{base}{reverse('referrals_conversion_review')}" in text
    assert f"{base}/admin/rewards/?status=released&kind=gift" in text
    assert f"{base}{reverse('wagtailadmin_account')}" in text
    assert "Calm &lt;b&gt;kids&lt;/b&gt;" in rendered.html and "<b>kids</b>" not in rendered.html
    assert 'href="http' in rendered.html  # the links are links
    # Later the same day (23:30 site time), twice: nothing more, even with more waiting.
    conversion(program)
    assert services.staff_emails_due(now=at(2026, 12, 2, 23, 30))["daily_digest"] is None
    assert services.digest_send(now=at(2026, 12, 2, 23, 30)) is None
    assert len(messages()) == 1
    # The next morning: the next digest, with today's counts.
    assert services.staff_emails_due(now=at(2026, 12, 3, 8, 0))["daily_digest"] == 1
    assert "4 to review" in text_of(messages()[-1]).subject


def test_the_day_is_the_sites_day_at_2330_and_past_midnight(admin_user, program):
    conversion(program)
    # 07:59 in Tokyo: not yet. 23:30 (14:30 UTC, the same UTC date): today's digest, a late catch-up.
    assert services.staff_emails_due(now=at(2026, 12, 2, 7, 59))["daily_digest"] is None
    assert services.staff_emails_due(now=at(2026, 12, 2, 23, 30))["daily_digest"] == 1
    # 00:10 in Tokyo is still 2 December in UTC, but a new day here, and before 08:00: nothing.
    assert services.staff_emails_due(now=at(2026, 12, 3, 0, 10))["daily_digest"] is None
    assert services.staff_emails_due(now=at(2026, 12, 3, 8, 0))["daily_digest"] == 1
    keys = [m.idempotency_key.rsplit(":", 1)[0] for m in messages()]
    assert keys == ["staff-digest:2026-12-02", "staff-digest:2026-12-03"]


def test_the_periodic_task_is_scheduled_on_both_runners_and_reads_the_clock(admin_user, program, monkeypatch):
    from cms.celery import app

    assert "cms.tasks.staff_emails_due" in django_settings.PERIODIC_TASKS
    assert "cms.tasks.staff_emails_due" in registered_tasks()
    assert app.conf.beat_schedule["cms.tasks.staff_emails_due"]["task"] == "cms.tasks.staff_emails_due"
    from django_q.models import Schedule

    runner.sync_periodic_schedule()
    assert Schedule.objects.get(name="cms.tasks.staff_emails_due").minutes == 15
    conversion(program)
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 12, 2, 23, 30))  # a frozen clock
    assert tasks.staff_emails_due()["daily_digest"] == 1
    assert tasks.staff_emails_due() == {"daily_digest": None, "weekly_summary": None}


def test_a_broken_address_costs_only_its_owner_the_digest(admin_user, program, django_user_model):
    django_user_model.objects.create_superuser("bob", "not an address", "pw-bob-12345")
    conversion(program)
    assert services.digest_send(now=MORNING) == 1
    assert [m.to_email for m in messages()] == ["alice@example.org"]


# --- Who receives what --------------------------------------------------------------------


def test_each_opt_out_is_respected_separately(admin_user, program, django_user_model):
    bob = django_user_model.objects.create_superuser("bob", "bob@example.org", "pw-bob-12345")
    services.preferences_set(user=admin_user, daily_digest=False, weekly_summary=True)
    services.preferences_set(user=bob, daily_digest=True, weekly_summary=False)
    conversion(program)
    done = services.staff_emails_due(now=at(2026, 11, 30, 9, 0))  # a Monday: both are due
    assert done == {"daily_digest": 1, "weekly_summary": 1}
    assert [m.to_email for m in messages("staff_daily_digest")] == ["bob@example.org"]
    assert [m.to_email for m in messages("staff_weekly_summary")] == ["alice@example.org"]


def test_each_staff_user_sees_only_their_programs_and_what_they_may_open(program, other, django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.org", "pw-root-12345")
    staff(django_user_model, "carol", programs=[other], codenames=["view_conversion"])  # no rewards
    staff(django_user_model, "dave", programs=[program], codenames=["view_reward"])  # nothing of other's waits
    staff(django_user_model, "erin", codenames=["view_conversion", "view_reward"])  # no program
    staff(django_user_model, "gone", programs=[program, other], codenames=["view_conversion"], is_active=False)
    no_admin = django_user_model.objects.create_user("frank", "frank@example.org", "pw-frank-12345")
    no_admin.user_permissions.add(Permission.objects.get(codename="view_conversion"))
    django_user_model.objects.create_superuser("nomail", "", "pw-nomail-12345")
    conversion(program)
    conversion(other)
    gift(other, address=True)
    assert services.digest_send(now=MORNING) == 2
    by_user = {m.to_email: text_of(m) for m in messages()}
    assert set(by_user) == {"root@example.org", "carol@example.org"}
    carol = by_user["carol@example.org"]
    assert carol.subject == "Rewards waiting: 1 to review"
    assert "Calm" in carol.text and "Program focus" not in carol.text and "gift" not in carol.text
    assert "/admin/rewards/" not in carol.text and reverse("referrals_conversion_review") in carol.text
    assert by_user["root@example.org"].subject == "Rewards waiting: 2 to review, 1 to ship"
    # The weekly summary goes to whoever sees a program, with only what they may open.
    assert services.weekly_send(now=at(2026, 11, 30, 8, 0)) == 3
    weekly = {m.to_email: text_of(m).text for m in messages("staff_weekly_summary")}
    assert set(weekly) == {"root@example.org", "carol@example.org", "dave@example.org"}
    assert "Program focus" in weekly["dave@example.org"] and "Calm" not in weekly["dave@example.org"]
    assert "held for review" not in weekly["dave@example.org"]  # dave may not open conversions


# --- The weekly summary ------------------------------------------------------------------


def week_of_activity(program, *, enrolled, happy, unhappy, when):
    for i in range(enrolled):
        student = StudentFactory()
        enrollment = Enrollment.objects.create(student=student, program=program, enrolled_at=when)
        if i >= happy + unhappy:
            continue
        score = 10 if i < happy else 2
        FeedbackResponse.objects.create(
            enrollment=enrollment, student=student, program=program, score=score, scored_at=when
        )
        kinds = [FeedbackEvent.SCORED, FeedbackEvent.HAPPY if score == 10 else FeedbackEvent.UNHAPPY]
        for kind in kinds:
            JourneyEvent.objects.create(
                student=student, enrollment=enrollment, program=program, kind=kind, actor="test", occurred_at=when
            )


def test_the_weekly_summary_has_last_weeks_numbers_the_change_and_what_waits(admin_user, program):
    # Last week: Monday 23 – Sunday 29 November (site time); the week before: 16 – 22 November.
    week_of_activity(program, enrolled=4, happy=2, unhappy=1, when=at(2026, 11, 29, 23, 30))  # Sunday night
    week_of_activity(program, enrolled=1, happy=1, unhappy=0, when=at(2026, 11, 16, 0, 10))  # Monday early
    week_of_activity(program, enrolled=5, happy=5, unhappy=0, when=at(2026, 11, 30, 0, 10))  # this week: not yet
    week_of_activity(program, enrolled=3, happy=0, unhappy=3, when=at(2026, 11, 25, 12, 0))
    simulated = StudentFactory(simulated=True)  # simulate_cohort's: never counted
    Enrollment.objects.create(student=simulated, program=program, enrolled_at=at(2026, 11, 25, 12, 0))
    case_student = StudentFactory()
    enrollment = Enrollment.objects.create(student=case_student, program=program, enrolled_at=at(2026, 10, 1, 9))
    response = FeedbackResponse.objects.create(
        enrollment=enrollment, student=case_student, program=program, score=1, scored_at=at(2026, 10, 2, 9)
    )
    case = SupportCase.objects.create(
        response=response, student=case_student, program=program, reason="unhappy", opened_at=at(2026, 11, 21, 9)
    )
    testimonial(program=program)  # pending moderation
    testimonial(program=program, status="approved")  # decided: not waiting
    gift(program, address=False)

    assert services.staff_emails_due(now=at(2026, 11, 30, 7, 59))["weekly_summary"] is None  # Monday, too early
    assert services.staff_emails_due(now=at(2026, 11, 30, 8, 0))["weekly_summary"] == 1
    [message] = messages("staff_weekly_summary")
    assert message.category == Category.TRANSACTIONAL
    rendered = text_of(message)
    assert rendered.subject == "Your week: 23 Nov – 29 Nov 2026"
    text = rendered.text
    assert "Monday 23 November 2026 to Sunday 29 November 2026" in text
    assert "Enrolled: 7 (the week before 1, +6)" in text
    assert "Feedback: 6 (the week before 1, +5)" in text
    assert "Happy: 2 (the week before 1, +1)" in text
    assert "Unhappy: 4 (the week before 0, +4)" in text
    assert "Testimonials: 0 (unchanged)" in text
    assert "NPS: -33 (the week before 100, -133), from 6 answers" in text  # 2 promoters, 4 detractors
    assert f"- 1 open support case: #{case.pk} open 9 days" in text
    assert "- 1 testimonial waiting for moderation" in text
    assert "- 1 gift waiting for the graduate" in text
    assert "/admin/support-cases/?status=open" in text and "/admin/testimonials/?status=pending" in text
    assert reverse("program_dashboard", args=[program.pk]) in text
    # Once a week: again on Monday evening and on Sunday 23:30 nothing; the next Monday, the next week.
    assert services.staff_emails_due(now=at(2026, 11, 30, 23, 30))["weekly_summary"] is None
    assert services.staff_emails_due(now=at(2026, 12, 6, 23, 30))["weekly_summary"] is None
    assert services.staff_emails_due(now=at(2026, 12, 7, 8, 0))["weekly_summary"] == 1
    latest = text_of(messages("staff_weekly_summary")[-1]).text
    assert "Enrolled: 5 (the week before 7, -2)" in latest
    assert "NPS: 100 (the week before -33, +133), from 5 answers" in latest


def test_a_missed_monday_is_caught_up_later_that_week_not_twice(admin_user, program):
    assert services.staff_emails_due(now=at(2026, 12, 2, 23, 30))["weekly_summary"] == 1  # Wednesday
    assert text_of(messages("staff_weekly_summary")[0]).subject == "Your week: 23 Nov – 29 Nov 2026"
    assert services.staff_emails_due(now=at(2026, 12, 6, 23, 59))["weekly_summary"] is None
    body = text_of(messages("staff_weekly_summary")[0]).text
    assert "NPS: no answers (none the week before either)" in body and "Nothing waits for the team." in body


# --- The account settings panel ------------------------------------------------------------


def test_the_account_page_shows_both_choices_on_until_the_user_turns_one_off(admin_client, admin_user):
    page = admin_client.get(reverse("wagtailadmin_account")).content.decode()
    assert "Team emails" in page and "Weekly summary" in page
    assert 'name="staff_emails-weekly_summary"' in page
    assert not StaffEmailPreferences.objects.exists()  # looking writes nothing
    services.preferences_set(user=admin_user, daily_digest=True, weekly_summary=False)
    services.preferences_set(user=admin_user, daily_digest=True, weekly_summary=False)  # again: one row
    assert StaffEmailPreferences.objects.get().weekly_summary is False


def test_the_digest_goes_out_through_the_mailer_outside_every_student_budget(
    admin_user, program, settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    settings.MAIL_BUDGET_MAX = 1
    conversion(program)
    with django_capture_on_commit_callbacks(execute=True):
        services.digest_send(now=MORNING)
    with django_capture_on_commit_callbacks(execute=True):
        services.weekly_send(now=MORNING)  # a second email to the same address the same day: not held back
    assert sorted(m.subject for m in mail.outbox) == ["Rewards waiting: 1 to review", "Your week: 23 Nov – 29 Nov 2026"]
    assert all(m.to[0].endswith("<alice@example.org>") for m in mail.outbox)
    assert not any("List-Unsubscribe" in m.extra_headers for m in mail.outbox)  # an operator's email


@pytest.mark.django_db(transaction=True)
def test_two_passes_at_once_send_one_digest(program, django_user_model):
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections to one database: PostgreSQL (SQLite's test database is per connection)")
    django_user_model.objects.create_superuser("alice", "alice@example.org", "pw-alice-123")
    conversion(program)
    start, results, errors = threading.Barrier(3), [], []

    def worker():
        try:
            start.wait()
            results.append(services.digest_send(now=MORNING))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results, key=str) == [1, None, None]
    assert Message.objects.filter(kind="staff_daily_digest").count() == 1


def account_post(client, **fields):
    data = {
        "name_email-first_name": "Alice",
        "name_email-last_name": "Adams",
        "name_email-email": "alice@example.org",
        "staff_emails-daily_digest": "on",
        "staff_emails-weekly_summary": "on",
        "theme-theme": "system",
        "theme-density": "default",
        "theme-contrast": "system",
        "locale-preferred_language": "",
        "locale-current_time_zone": "",
    }
    data.update(fields)
    return client.post(reverse("wagtailadmin_account"), {k: v for k, v in data.items() if v is not None})


def test_a_bad_account_form_saves_nothing_and_says_why(admin_client, admin_user):
    response = account_post(admin_client, **{"name_email-first_name": "", "staff_emails-weekly_summary": None})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert not StaffEmailPreferences.objects.exists()  # nothing half-saved
    assert account_post(admin_client, **{"staff_emails-weekly_summary": None}).status_code == 302
    preferences = StaffEmailPreferences.objects.get(user=admin_user)
    assert (preferences.daily_digest, preferences.weekly_summary) == (True, False)
    assert account_post(admin_client).status_code == 302  # and on again
    assert StaffEmailPreferences.objects.get(user=admin_user).weekly_summary is True
