"""The demo `make run` loads: a home page, one program (slug ``demo``) with sharing prompts, and a
demo student who has just reached the first milestone, and a demo graduate with a special link; beside
them a simulated cohort (``settings.DEMO_SIMULATED_STUDENTS``) that ran through the real engine and ended
today, its friends' purchases judged, released and refunded, all of it marked simulated."""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Site

from campaigns import engine, links, services, simulation
from campaigns.choices import RegistrationStatus
from campaigns.models import Enrollment, Milestone, ProgramPage, Student
from cms.models import HomePage
from integrations.simulation import ServicesPlatform
from mailers import services as mail
from referrals.models import ReferralPlan
from referrals.selectors import graduate_links, link_url
from sharing_prompts import services as prompts
from sharing_prompts.models import PromptDelivery, SharingPrompt
from testimonials import feedback, publishing, submissions
from testimonials.models import Consent, FeedbackPlan, FeedbackResponse, ModerationStatus

DEMO_SLUG = "demo"

DEMO_MILESTONES = [
    ("first-calm-morning", "First calm morning", "You ran the morning routine without a single raised voice.", 7),
    ("focus-routine", "Focus routine in place", "Homework happens at the same time, in the same spot, most days.", 21),
    ("first-breakthrough", "First breakthrough", "Your child finished a task they used to abandon.", 35),
    ("graduation", "Graduation", "Eight weeks done: the routines are yours now.", 56),
]

DEMO_PROMPTS = [
    {
        "milestone_slug": "first-calm-morning",
        "ask": "Tell {{ target_count }} people close to you how it felt to get through a whole morning "
        "without raising your voice. What did you do differently?",
        "target_count": 3,
        "suggest_victory_post": False,
        "example_reflection": "This morning we left the house on time and nobody shouted. I kept my voice low "
        "and gave one instruction at a time. I feel lighter than I have in months.",
        "reminder_after_days": 3,
    },
    {
        "milestone_slug": "first-breakthrough",
        "ask": "Share one breakthrough with {{ target_count }} people who know your family: what your child "
        "finished this week that they used to abandon, and how it felt to watch.",
        "target_count": 2,
        "suggest_victory_post": True,
        "example_reflection": "My son finished a 20-minute puzzle on his own today. A month ago he would have "
        "walked away after five. I had to step out of the room so he would not see me tear up.",
        "reminder_after_days": 4,
    },
]
# The demo's own ask, written for its parents (a new program starts from neutral copy instead).
DEMO_ASK_SUBJECT = "{{ first_name }}, {{ ask_count }} families, {{ ask_deadline }}?"
DEMO_ASK_BODY = """{{ first_name }}, a few weeks ago you wrote:

"{{ testimonial_quote }}"

We are out to {{ mission_statement }}. {{ mission_progress }}

Would you help one more family get there? Think of {{ ask_count }} parents you know whose kids struggle \
with focus, and in the next few days — {{ ask_deadline }} — send them your special link with a personal \
note about what changed for you:

{{ special_link }}

Through your link they get something they cannot get on their own: {{ friend_offer }}.

{{ thank_you }}

Thank you for being part of this."""
DEMO_THANK_YOU = "When a friend joins, you get a free one-to-one session with a coach, as our thank-you."
DEMO_COHORT_SEED = 1
DEMO_STUDENT = "sam.demo@example.com"
DEMO_GRADUATE = "maria.demo@example.com"
DEMO_REFLECTION = "Told my sister and two friends how calm the house felt. Saying it out loud made it real."
DEMO_QUOTE = (
    "Mornings used to be a battle. Now we leave on time, nobody shouts, and my son finishes his homework "
    "on his own. I got my calm back."
)


@transaction.atomic
def load_demo() -> list[str]:
    """Create what is missing; never change what exists. Returns what it did, one line each."""
    done: list[str] = []
    home = HomePage.objects.first()
    if home is None:
        home = _create_home()
        done.append(f"created the home page at {home.url or '/'}")
    if not ProgramPage.objects.filter(slug=DEMO_SLUG).exists():
        program = _create_demo_program(home)
        done.append(f"created and published the demo program {program.title!r} (slug {DEMO_SLUG})")
    program = ProgramPage.objects.get(slug=DEMO_SLUG)
    if not Student.objects.filter(email=DEMO_STUDENT).exists():
        _enroll_demo_student(program)
        done.append(f"enrolled the demo student {DEMO_STUDENT}, who just reached the first milestone")
    if not Student.objects.filter(email=DEMO_GRADUATE).exists() and program.referral_plans.exists():
        _graduate_demo_student(program)
        done.append(f"graduated the demo student {DEMO_GRADUATE}: happy feedback, an approved testimonial, a link")
    students = settings.DEMO_SIMULATED_STUDENTS
    simulated = Enrollment.objects.filter(program=program, cohort__startswith="sim-", student__simulated=True)
    if students and not simulated.exists():
        done.append(_simulate_demo_cohort(program, students))
    return done


def demo_links() -> list[str]:
    """Fresh personal links to the demo students' hubs (links expire, so new ones each run)."""
    lines = []
    for email, who in ((DEMO_STUDENT, "Sam, a student mid-program"), (DEMO_GRADUATE, "Maria, a graduate")):
        student = Student.objects.filter(email=email).first()
        if student:
            lines.append(f"personal page of {who}: {links.hub_url(student.pk)}")
    for link in graduate_links(student=Student.objects.filter(email=DEMO_GRADUATE).first() or Student()):
        lines.append(f"Maria's special link (what her friends open): {link_url(link.code)}")
    return lines


def _graduate_demo_student(program: ProgramPage) -> None:
    """Maria went through the whole method, day by day, through the real engine and mailer: her
    prompts, graduation, the feedback request (answered happily), the testimonial request. Today she
    writes her testimonial (featured), so her referral ask is queued now, inside her contact budget."""
    now = timezone.now()
    start = (now - timedelta(days=program.duration_days + 20)).replace(hour=9, minute=0, second=0, microsecond=0)
    enrollment = services.student_enroll(
        email=DEMO_GRADUATE,
        program=program,
        first_name="Maria",
        last_name="Demo",
        marketing_consent=True,
        cohort="demo",
        starts_at=start,
        actor="demo",
        now=start,
    )
    day = start + timedelta(hours=3)  # noon, outside quiet hours
    while day < now - timedelta(days=1):
        engine.tick(now=day)
        mail.messages_send_due(now=day)
        for delivery in PromptDelivery.objects.filter(enrollment=enrollment, completed_at__isnull=True):
            if delivery.prompted_at < day - timedelta(hours=12):  # she shares the day after each win
                prompts.delivery_complete(delivery=delivery, people_count=3, reflection=DEMO_REFLECTION, now=day)
        response = FeedbackResponse.objects.filter(enrollment=enrollment, score__isnull=True).first()
        if response is not None and response.requested_at < day - timedelta(hours=12):
            feedback.feedback_submit(response=response, score=10, answers=[DEMO_QUOTE], now=day)
        day += timedelta(days=1)
    testimonial = submissions.testimonial_save(
        student_id=enrollment.student_id, program_id=program.pk, text=DEMO_QUOTE, consent=Consent.FIRST_NAME, now=now
    )
    publishing.testimonial_moderate(testimonial=testimonial, status=ModerationStatus.FEATURED, user=None, now=now)
    engine.tick(now=now)  # the referral ask (the plan asks at once after a testimonial)


def _simulate_demo_cohort(program: ProgramPage, students: int) -> str:
    """A cohort that started weeks ago and ends today, through the same run as ``simulate_cohort --keep``:
    marked simulated, so it never counts, is never emailed, fires no webhook, and stays out of the queues."""
    start = timezone.now() - timedelta(days=simulation.run_days(program) + 1)
    result = simulation.simulate_cohort(
        program=program, students=students, seed=DEMO_COHORT_SEED, keep=True, start=start, platform=ServicesPlatform()
    )
    c = result.reports.get("conversions", {})
    return (
        f"simulated a cohort of {students} students that ended today (cohort {result.cohort}): "
        f"{c.get('conversions', 0)} friends' conversions, {c.get('released', 0)} released, "
        f"{c.get('revoked', 0)} revoked; marked simulated, so the counts leave it out unless you tick "
        "'Include simulated students' on the program's dashboard"
    )


def _enroll_demo_student(program: ProgramPage) -> None:
    now = timezone.now()
    first = program.ordered_milestones[0]
    enrollment = services.student_enroll(
        email=DEMO_STUDENT,
        program=program,
        first_name="Sam",
        last_name="Demo",
        marketing_consent=True,
        cohort="demo",
        starts_at=now - timedelta(days=first.day_offset or 7),
        actor="demo",
        now=now - timedelta(days=first.day_offset or 7),
    )
    # The engine does the rest: the start, the first milestone (by its day offset), the prompt email.
    while engine.run_due_for_enrollment(enrollment_id=enrollment.pk, now=now):
        pass  # each pass may schedule the next step (milestone → prompt) due at once


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
    for index, prompt in enumerate(DEMO_PROMPTS):
        program.sharing_prompts.add(SharingPrompt(sort_order=index, **prompt))
    program.feedback_plans.add(FeedbackPlan(days_after_completion=3, support_email="support@example.com"))
    program.referral_plans.add(
        ReferralPlan(
            ask_subject=DEMO_ASK_SUBJECT,
            ask_body=DEMO_ASK_BODY,
            thank_you_text=DEMO_THANK_YOU,
            delay_after_testimonial_days=0,
            reminder_after_days=4,
            access_days=21,
        )
    )
    home.add_child(instance=program)
    program.save_revision().publish()
    return program
