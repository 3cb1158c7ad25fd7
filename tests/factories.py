"""Test data built through the same paths the product uses (pages via Wagtail, enrollments via services)."""

from datetime import date, timedelta

import factory
from django.utils import timezone
from wagtail.models import Locale, Page, Site

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
