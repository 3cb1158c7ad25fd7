"""Test data built through the same paths the product uses (pages via Wagtail, enrollments via services)."""

from datetime import date, timedelta

import factory
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Locale, Page, Site
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from campaigns import services
from campaigns.models import Milestone, ProgramPage, Student
from cms.models import HomePage


def home_page() -> HomePage:
    home = HomePage.objects.first()
    if home is None:
        # A transactional test flushes the rows Wagtail's migrations created; put them back.
        Locale.objects.get_or_create(language_code="en")
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
        home = HomePage(title="Home", slug="home-test")
        root.add_child(instance=home)
        Site.objects.update_or_create(
            is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
        )
    return home


def program_page(
    *, slug: str = "focus", milestones: list[tuple[str, int | None]] | None = None, **fields
) -> ProgramPage:
    """A published program; ``milestones`` are (slug, day_offset) pairs."""
    defaults = {
        "title": f"Program {slug}",
        "mission_statement": "help families raise focused kids",
        "mission_goal": 1000,
        "mission_unit": "families",
        "mission_deadline": date.today() + timedelta(days=900),
        "mission_start_count": 100,
        "duration_days": 30,
    }
    defaults.update(fields)
    program = ProgramPage(slug=slug, **defaults)
    for index, (m_slug, day) in enumerate(milestones if milestones is not None else [("first-win", 7)]):
        program.milestones.add(
            Milestone(slug=m_slug, title=m_slug.replace("-", " ").title(), day_offset=day, sort_order=index)
        )
    home_page().add_child(instance=program)
    program.save_revision().publish()
    return ProgramPage.objects.get(pk=program.pk)


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    email = factory.Sequence(lambda n: f"student{n}@example.org")
    first_name = factory.Sequence(lambda n: f"Ada{n}")
    last_name = "Lovelace"
    time_zone = "Europe/Paris"
    marketing_consent = True


def enroll(*, program: ProgramPage, email: str = "ann@example.org", starts_at=None, now=None, **kwargs):
    now = now or timezone.now()
    return services.student_enroll(
        email=email, program=program, starts_at=starts_at or now + timedelta(days=1), actor="test", now=now, **kwargs
    )


def program_form(**overrides):
    """The program editor's POST data (Content tab + inline milestones, prompts, plans and platform ids), as the
    browser sends it."""
    milestones = overrides.pop(
        "milestones",
        [
            {"title": "First win", "slug": "first-win", "description": "", "day_offset": "7"},
            {"title": "Halfway", "slug": "halfway", "description": "", "day_offset": ""},
        ],
    )
    data = {
        "title": "Calm Parents",
        "slug": "calm-parents",
        "intro": rich_text("<p>Eight weeks.</p>"),
        "mission_statement": "help 10,000 parents stay calm",
        "mission_goal": "10000",
        "mission_unit": "parents",
        "mission_deadline": (date.today() + timedelta(days=700)).isoformat(),
        "mission_start_count": "120",
        "registration_status": "closed",
        "next_launch_on": (date.today() + timedelta(days=60)).isoformat(),
        "duration_days": "56",
        "milestones": inline_formset(milestones),
        "sharing_prompts": inline_formset(overrides.pop("sharing_prompts", [])),
        "feedback_plans": inline_formset(overrides.pop("feedback_plans", []), max=1),
        "referral_plans": inline_formset(overrides.pop("referral_plans", []), max=1),
        "reward_tiers": inline_formset(overrides.pop("reward_tiers", []), max=10),
        "platform_ids": inline_formset(overrides.pop("platform_ids", [])),
        "milestone_platform_ids": inline_formset(overrides.pop("milestone_platform_ids", [])),
        "comments": inline_formset([]),
    }
    data.update(overrides)
    return nested_form_data(data)


def add_url():
    return reverse("wagtailadmin_pages:add", args=("campaigns", "programpage", home_page().pk))


def sharing_prompt(*, program: ProgramPage, milestone_slug: str = "first-win", **fields):
    """Add a sharing prompt to a program and publish it, as the creator would in the editor."""
    from sharing_prompts.models import SharingPrompt

    defaults = {
        "ask": "Tell {{ target_count }} people close to you how it felt to reach {{ milestone_title }}.",
        "target_count": 3,
        "example_reflection": "I did it: {{ milestone_title }}! I feel calmer than I have in years.",
        "reminder_after_days": 3,
    }
    defaults.update(fields)
    program = ProgramPage.objects.get(pk=program.pk)
    program.sharing_prompts.add(SharingPrompt(milestone_slug=milestone_slug, **defaults))
    program.save_revision().publish()
    return program.sharing_prompts.get(milestone_slug=milestone_slug)


def feedback_plan(*, program: ProgramPage, **fields):
    """Add the program's feedback request and publish it (defaults: after graduation, 3 days)."""
    from testimonials.models import FeedbackPlan

    defaults = {"support_email": "support@example.org", "days_after_completion": 3}
    defaults.update(fields)
    program = ProgramPage.objects.get(pk=program.pk)
    program.feedback_plans.add(FeedbackPlan(**defaults))
    program.save_revision().publish()
    return program.feedback_plans.get()


def testimonial(*, program: ProgramPage, student: Student | None = None, **fields):
    """A testimonial as a student submitted it (pending moderation unless ``status`` says otherwise).

    Approved or featured (and not withdrawn): published as it is, as a moderator's approval would,
    unless ``published_*`` fields are given."""
    from django.utils import timezone

    from testimonials.models import Consent, ModerationStatus, Testimonial

    defaults = {"text": "I finally sleep through the night, and so do my kids.", "consent": Consent.FIRST_NAME}
    defaults.update(fields)
    item = Testimonial(student=student or StudentFactory(), program=program, **defaults)
    published = any(name.startswith("published_") for name in fields)
    if item.status in ModerationStatus.visible() and item.withdrawn_at is None and not published:
        item.publish_submission(status=item.status, now=timezone.now())
    item.save()
    return item


testimonial.__test__ = False  # a factory: pytest would collect it for its name


def testimonial_wall(*, title: str = "What our graduates say", slug: str = "stories", **fields):
    """A published testimonial wall page under the home page, as a creator would add one."""
    from testimonials.pages import TestimonialWallPage

    wall = TestimonialWallPage(title=title, slug=slug, **fields)
    home_page().add_child(instance=wall)
    wall.save_revision().publish()
    return TestimonialWallPage.objects.get(pk=wall.pk)


def referral_plan(*, program: ProgramPage, **fields):
    """Add the program's referral ask and publish it (the defaults are a SMART-I ask)."""
    from referrals.models import ReferralPlan

    program = ProgramPage.objects.get(pk=program.pk)
    program.referral_plans.add(ReferralPlan(**fields))
    program.save_revision().publish()
    return program.referral_plans.get()
