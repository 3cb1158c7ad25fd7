"""The dashboard's referral steps, prompts, mission pace, advocates, reward delay and queues: every count
equals the admin list its door opens (simulated people never in either), the clock frozen (23:30 too),
bad door filters answered, the query count flat, the home panel only for programs the user may edit."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import GroupPagePermission

from campaigns.models import Enrollment
from cms.dashboard import health, views
from referrals.conversions.models import Conversion, Status
from referrals.models import FriendLead, ReferralClick, ReferralLink
from referrals.rewards.models import Reward, RewardKind, RewardStatus
from sharing_prompts.models import PromptDelivery
from testimonials.models import FeedbackResponse, SupportCase, Testimonial
from tests.cms.test_dashboard import WHEN, cohort
from tests.factories import StudentFactory, program_page

pytestmark = pytest.mark.django_db
LATE = datetime(2026, 11, 10, 23, 30, tzinfo=UTC)
EARLY = datetime(2026, 11, 10, 0, 30, tzinfo=UTC)


def referrals_world(program, *, graduates=2, friends_per=2, tag="a", name="2026-fall"):
    """``graduates`` real graduates (and one simulated) with links, clicks, friends, conversions and
    thank-yous; returns the real graduates. Clicks: each graduate's link is opened by two people, one of
    them on two days and one who also opens the next graduate's link (rows > people)."""
    real = cohort(program, graduates, happy=graduates, name=name)
    [fake] = cohort(program, 1, happy=1, name=name, simulated=True)
    for g, student in enumerate([*real, fake]):
        link = ReferralLink.objects.create(student=student, program=program, code=f"{tag}{g}{student.pk}")
        for visitor, day in ((f"{tag}p{g}", 0), (f"{tag}p{g}", 1), (f"{tag}shared", 0)):
            ReferralClick.objects.create(
                link=link,
                visitor=visitor,
                day=(WHEN + timedelta(days=day)).date(),
                clicked_at=WHEN + timedelta(days=day),
            )
        conversions = []
        for f in range(friends_per):
            email = f"{tag}friend{g}-{f}@example.org"
            lead = FriendLead.objects.create(
                program=program,
                via_link=link,
                link=link if f else None,
                email=email,
                first_name="Friend",
                registered_at=WHEN,
                confirmed_at=WHEN + timedelta(hours=1) if f else None,
            )
            if f:
                conversions.append(
                    Conversion.objects.create(
                        program=program,
                        friend_email=email,
                        friend_inbox=email,
                        lead=lead,
                        link=link,
                        graduate=student,
                        rule="lead",
                        status=Status.APPROVED,
                        occurred_at=WHEN + timedelta(hours=1),
                    )
                )
        # A refused later conversion never counts.
        Conversion.objects.create(
            program=program,
            friend_email=f"{tag}again{g}@example.org",
            friend_inbox=f"{tag}again{g}@example.org",
            graduate=student,
            is_first=False,
            status=Status.REFUSED,
            occurred_at=WHEN,
        )
        reward = Reward.objects.create(
            student=student,
            program=program,
            number=1,
            kind=RewardKind.GIFT if g % 2 else RewardKind.BOOKING_LINK,
            status=RewardStatus.RELEASED,
            released_at=WHEN + timedelta(hours=1 + 24 * (g + 1)),
        )
        reward.conversions.set(conversions)
        Reward.objects.create(student=student, program=program, number=2, kind="code_bank", status=RewardStatus.OWED)
    return real


def page(client, program, **query):
    response = client.get(reverse("program_dashboard", args=[program.pk]), query)
    assert response.status_code == 200
    return response


def listed(client, url) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200, url
    return {obj.pk for obj in response.context["object_list"]}


REFERRAL_STEPS = ["link_clicks", "friends_registered", "friends_confirmed", "joined", "rewarded"]


@pytest.mark.parametrize("filters", [{}, {"cohort": "2026-fall", "start": "2026-11-10", "end": "2026-11-10"}])
def test_each_referral_count_opens_exactly_those_records(program, admin_client, filters):
    referrals_world(program, graduates=3)
    referrals_world(program, graduates=1, tag="b", name="2025-spring")
    rows = {step.key: (step, url) for step, url in page(admin_client, program, **filters).context["rows"]}
    expected_all = {"link_clicks": 3 + 1 + 2, "friends_registered": 8, "friends_confirmed": 4, "joined": 4}
    for key in REFERRAL_STEPS:
        step, url = rows[key]
        assert url, key
        assert len(listed(admin_client, url)) == step.count, key
        if not filters and key in expected_all:
            assert step.count == expected_all[key], key
    if filters:
        # In the cohort and on the 10th only: the second day's clicks, b's people and b's rewards are out.
        assert rows["link_clicks"][0].count == 4  # a's three graduates' own visitors and the shared one
        assert rows["friends_registered"][0].count == 6
        assert rows["rewarded"][0].count == 0  # released on the 11th and later
    else:
        assert rows["rewarded"][0].count == 4  # released thank-yous; owed ones are not given


def test_with_simulated_students_each_referral_count_still_opens_exactly_those_records(program, admin_client):
    """Ticking "Include simulated students": the simulated graduate's clicks, friends, conversions and
    thank-yous are counted, and each door's list shows the same records (it otherwise hides them)."""
    referrals_world(program, graduates=2)
    plain = {step.key: step.count for step, _ in page(admin_client, program).context["rows"]}
    rows = {step.key: (step, url) for step, url in page(admin_client, program, with_simulated="on").context["rows"]}
    for key in REFERRAL_STEPS:
        step, url = rows[key]
        assert "with_simulated=true" in url, key
        assert len(listed(admin_client, url)) == step.count, key
    assert sum(rows[key][0].count for key in REFERRAL_STEPS) > sum(plain[key] for key in REFERRAL_STEPS)


def test_link_clicks_are_people_not_rows(program, admin_client):
    referrals_world(program, graduates=2)
    [step, url] = [(s, u) for s, u in page(admin_client, program).context["rows"] if s.key == "link_clicks"][0]
    rows = ReferralClick.objects.exclude(link__student__simulated=True).count()
    assert (rows, step.count) == (6, 3)
    assert len(listed(admin_client, url)) == 3


@pytest.mark.parametrize(
    "url_name, query, message",
    [
        ("referrals_friendlead:index", {"step": "friends_registered"}, "needs its program"),
        ("referrals_referralclick:index", {"step": "link_clicks", "since": "yesterday"}, "Enter a valid date"),
        ("referrals_reward:index", {"step": "nonsense"}, "Select a valid choice"),
    ],
)
def test_bad_door_filters_get_a_message_not_a_500(program, admin_client, url_name, query, message):
    referrals_world(program, graduates=1)
    response = admin_client.get(reverse(url_name), query)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_prompt_completion_per_milestone_with_chart_and_table(program, admin_client):
    students = cohort(program, 4) + cohort(program, 2, simulated=True)
    for i, student in enumerate(students):
        enrollment = Enrollment.objects.get(student=student)
        for slug in ("first-win", "halfway")[: 1 + (i % 2)]:
            PromptDelivery.objects.create(
                enrollment=enrollment,
                student=student,
                program=program,
                milestone_slug=slug,
                milestone_title=slug,
                ask="Tell three people",
                target_count=3,
                prompted_at=WHEN,
                completed_at=WHEN if i < 2 else None,
            )
    prompts = health.prompt_completion(program)
    assert [(m.slug, m.prompted, m.completed) for m in prompts] == [("first-win", 4, 2), ("halfway", 2, 1)]
    assert prompts[0].title == "First Win"  # the milestone's current title, in the program's order
    body = page(admin_client, program).content.decode()
    assert "Sharing prompts per milestone" in body and 'id="prompts-description"' in body
    assert "<svg" in body and ">50%<" in body


@pytest.mark.parametrize("now", [LATE, EARLY])
def test_mission_pace_to_the_deadline(program, admin_client, monkeypatch, now):
    program.mission_goal, program.mission_start_count = 1000, 100
    program.mission_deadline = date(2026, 11, 30)  # 20 days from the 10th, the 30th included: 21 days
    program.save()
    cohort(program, 3)  # enrolled at WHEN (the 10th, 23:30): within the last four weeks at either hour
    cohort(program, 2, simulated=True)
    pace = health.mission_pace(program, now=now)
    assert (pace.progress.reached, pace.remaining, pace.days_left) == (103, 897, 21)
    assert pace.needed_per_week == 299  # ceil(897 * 7 / 21)
    assert pace.recent == (3 if now == LATE else 0)  # at 00:30 they have not enrolled yet
    assert not pace.on_track
    monkeypatch.setattr(views, "_now", lambda: now)
    body = page(admin_client, program).content.decode()
    assert "299 a week" in body and "21 days left" in body
    assert health.mission_pace(program, now=datetime(2026, 12, 1, 0, 0, tzinfo=UTC)).needed_per_week is None


def test_top_advocates_and_median_reward_delay(program, admin_client):
    graduates = referrals_world(program, graduates=3, friends_per=3)
    response = page(admin_client, program)
    advocates = response.context["advocates"]
    assert [row["joined"] for row, _ in advocates] == [2, 2, 2]
    row, url = advocates[0]
    assert row["graduate_id"] == graduates[0].pk
    conversions = Conversion.objects.filter(pk__in=listed(admin_client, url))
    assert len(conversions) == 2 and {c.graduate_id for c in conversions} == {graduates[0].pk}
    # Released 1, 2, 3 days (and 4, the simulated graduate's: not counted) after the last friend joined.
    delay, n = health.median_reward_delay(program)
    assert (delay, n) == (timedelta(days=2), 3)
    assert "2 days" in response.content.decode()
    assert len(listed(admin_client, response.context["rewards_url"])) == 3


@pytest.mark.parametrize("now", [LATE, EARLY + timedelta(days=3)])
def test_what_waits_for_the_team_with_ages_and_doors(program, admin_client, monkeypatch, now):
    referrals_world(program, graduates=2)
    students = cohort(program, 3) + cohort(program, 1, simulated=True)
    for i, student in enumerate(students):
        enrollment = Enrollment.objects.get(student=student)
        response = FeedbackResponse.objects.create(
            enrollment=enrollment, student=student, program=program, score=2, scored_at=WHEN
        )
        SupportCase.objects.create(
            response=response,
            student=student,
            program=program,
            reason="unhappy",
            status="open" if i != 1 else "closed",
            opened_at=WHEN - timedelta(days=i + 1),
        )
        Testimonial.objects.create(
            student=student,
            program=program,
            text="It helped",
            consent="full",
            updated_at=WHEN - timedelta(hours=5),
            withdrawn_at=WHEN if i == 2 else None,
        )
    monkeypatch.setattr(views, "_now", lambda: now)
    rows = {item.key: (item, age, url) for item, age, url in page(admin_client, program).context["waiting"]}
    expected = {"support": 2, "moderation": 2, "review": 0, "owed": 2, "ship": 1}
    for key, count in expected.items():
        item, age, url = rows[key]
        assert item.count == count, key
        assert len(listed(admin_client, url)) == count, key
    oldest_case = WHEN - timedelta(days=3)  # the third real student's (the second's is closed)
    assert rows["support"][1] == views.duration_text(now - oldest_case)
    assert rows["support"][1] == ("3 days" if now == LATE else "5 days")
    assert rows["moderation"][1] == ("5 hours" if now == LATE else "2 days")


def queries_for(client, program) -> int:
    with CaptureQueriesContext(connection) as captured:
        page(client, program, cohort="2026-fall", start="2026-11-10", end="2026-11-11")
    return len(captured)


def test_the_page_runs_as_many_queries_for_20_students_as_for_2(program, admin_client):
    referrals_world(program, graduates=2, friends_per=2)
    small = queries_for(admin_client, program)
    referrals_world(program, graduates=20, friends_per=3, tag="b")
    assert queries_for(admin_client, program) == small


@pytest.fixture
def editor(db, django_user_model, program):
    """An editor (not a superuser) of one other program only."""
    theirs = program_page(slug="theirs")
    group = Group.objects.create(name="Their editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    GroupPagePermission.objects.create(
        group=group, page=theirs, permission=Permission.objects.get(codename="change_page")
    )
    user = django_user_model.objects.create_user("ed", "ed@example.org", "pw-ed-12345")
    user.groups.add(group)
    return user, theirs


def test_the_home_panel_lists_only_the_programs_the_editor_may_edit(client, program, editor):
    user, theirs = editor
    client.force_login(user)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("program_dashboard", args=[theirs.pk]) in home and theirs.title in home
    assert reverse("program_dashboard", args=[program.pk]) not in home and program.title not in home
    assert client.get(reverse("program_dashboard", args=[program.pk])).status_code == 404
    assert client.get(reverse("program_dashboard", args=[theirs.pk])).status_code == 200


def test_creator_words_in_charts_are_escaped(admin_client):
    program = program_page(slug="esc", milestones=[("first-win", 7)])
    milestone = program.milestones.get()
    milestone.title = "<script>alert(1)</script>"
    milestone.save()
    [student] = cohort(program, 1)
    PromptDelivery.objects.create(
        enrollment=Enrollment.objects.get(student=student),
        student=student,
        program=program,
        milestone_slug="first-win",
        milestone_title="x",
        ask="Tell",
        target_count=3,
        prompted_at=WHEN,
    )
    body = page(admin_client, program).content.decode()
    assert "<script>alert(1)</script>" not in body


def test_a_student_factory_is_enough_for_an_empty_dashboard(program, admin_client):
    StudentFactory()
    body = page(admin_client, program).content.decode()
    assert "No sharing prompts went out" in body and "No thank-you has been given yet" in body
