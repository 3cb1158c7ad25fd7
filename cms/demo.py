"""The demo program `make run` loads: a site home page and one program with slug ``demo``."""

from datetime import date

from django.db import transaction
from wagtail.models import Page, Site

from campaigns.choices import RegistrationStatus
from campaigns.models import Milestone, ProgramPage
from cms.models import HomePage

DEMO_SLUG = "demo"

DEMO_MILESTONES = [
    ("first-calm-morning", "First calm morning", "You ran the morning routine without a single raised voice.", 7),
    ("focus-routine", "Focus routine in place", "Homework happens at the same time, in the same spot, most days.", 21),
    ("first-breakthrough", "First breakthrough", "Your child finished a task they used to abandon.", 35),
    ("graduation", "Graduation", "Eight weeks done: the routines are yours now.", 56),
]


@transaction.atomic
def load_demo() -> list[str]:
    """Create what is missing; never change what exists. Returns what it did, one line each."""
    done: list[str] = []
    home = HomePage.objects.first()
    if home is None:
        home = _create_home()
        done.append(f"created the home page at {home.url_path}")
    if not ProgramPage.objects.filter(slug=DEMO_SLUG).exists():
        program = _create_demo_program(home)
        done.append(f"created and published the demo program {program.title!r} (slug {DEMO_SLUG})")
    return done


def _create_home() -> HomePage:
    root = Page.get_first_root_node()
    # Wagtail's first migration leaves a placeholder "Welcome" page as the site root; replace it.
    site = Site.objects.filter(is_default_site=True).first()
    placeholder = site.root_page if site else None
    home = HomePage(
        title="Programs that change lives",
        slug="home-page",
        intro="<p>Transformational programs, shared by the people they changed.</p>",
    )
    root.add_child(instance=home)
    home.save_revision().publish()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    else:
        site.root_page = home
        site.save()
    if placeholder is not None and placeholder.specific_class is Page and not placeholder.get_children().exists():
        placeholder.delete()
        home.refresh_from_db()
    return home


def _create_demo_program(home: HomePage) -> ProgramPage:
    today = date.today()
    program = ProgramPage(
        title="Focused Kids: an 8-week program for parents",
        slug=DEMO_SLUG,
        intro="<p>Eight weeks of small routines that help children focus, and parents breathe.</p>",
        mission_statement="help 1,000,000 families raise calm, focused kids",
        mission_goal=1_000_000,
        mission_unit="families",
        mission_deadline=date(max(today.year + 4, 2030), 12, 31),
        mission_start_count=412_300,
        registration_status=RegistrationStatus.CLOSED,
        next_launch_on=date(today.year + (today.month + 3 > 12), (today.month + 2) % 12 + 1, 1),
        duration_days=56,
    )
    for index, (slug, title, description, day) in enumerate(DEMO_MILESTONES):
        program.milestones.add(
            Milestone(slug=slug, title=title, description=description, day_offset=day, sort_order=index)
        )
    home.add_child(instance=program)
    program.save_revision().publish()
    return program
