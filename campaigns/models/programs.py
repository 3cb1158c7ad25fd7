"""Programs: the Wagtail page a course creator authors, with its mission and milestones."""

from collections.abc import Callable

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext_lazy
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.utils.decorators import cached_classmethod

from campaigns.choices import RegistrationStatus
from campaigns.forms import ProgramPageForm
from campaigns.widgets import MilestoneSlugFromTitle

# Phase apps add their editor tabs (sharing prompts, feedback, the referral ask), preview modes and
# the page's form from AppConfig.ready(), so this page type does not import them.
_EDITOR_TABS: list[tuple[int, str, list]] = []
_PREVIEW_MODES: dict[str, tuple[str, Callable]] = {}


def register_editor_tab(heading: str, panels: list, *, order: int = 100) -> None:
    """Tabs show in ``order`` (the method's order: prompts 10, feedback 20, referral ask 30)."""
    if all(existing != heading for _, existing, _ in _EDITOR_TABS):
        _EDITOR_TABS.append((order, heading, panels))
        _EDITOR_TABS.sort(key=lambda tab: tab[0])


def register_preview_mode(name: str, label: str, render: Callable) -> None:
    """``render(page, request) -> HttpResponse`` shows the (draft) program as a student would see it."""
    _PREVIEW_MODES[name] = (label, render)


# The public page's form (registration while open, "tell me when it opens" while closed) is the
# referral half's: a registration is a pending lead. ``serve(page, request, render_page)`` takes the
# request (GET renders through ``render_page(extra_context)``, POST takes the form and redirects).
_PAGE_FORM: list[Callable] = []


def register_page_form(serve: Callable) -> None:
    """The one handler of the page's form, registered from AppConfig.ready()."""
    _PAGE_FORM[:] = [serve]


class ProgramPage(Page):
    """A transformational program: its public page, the mission it serves, and its milestones.

    The engine schedules every student's journey from this page's published values.
    """

    intro = RichTextField(blank=True, help_text="What the program is and who it is for.")

    mission_statement = models.CharField(
        max_length=255,
        help_text='The change you are out to make, e.g. "help 1,000,000 families raise focused kids".',
    )
    mission_goal = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], help_text="How many you aim to reach, e.g. 1000000."
    )
    mission_unit = models.CharField(max_length=60, help_text='What you count, e.g. "families".')
    mission_deadline = models.DateField(help_text="When you aim to reach the goal.")
    mission_start_count = models.PositiveIntegerField(
        default=0, help_text="How many you had already reached before using this engine."
    )

    registration_status = models.CharField(
        max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.OPEN
    )
    next_launch_on = models.DateField(
        null=True, blank=True, help_text="When public registration opens next (shown while closed)."
    )
    duration_days = models.PositiveIntegerField(
        default=56,
        validators=[MinValueValidator(1)],
        help_text="Length of the program; a student counts as graduated this many days after starting.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("mission_statement"),
                FieldRowPanel([FieldPanel("mission_goal"), FieldPanel("mission_unit")]),
                FieldRowPanel([FieldPanel("mission_start_count"), FieldPanel("mission_deadline")]),
            ],
            heading="Mission",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("registration_status"), FieldPanel("next_launch_on")]),
                FieldPanel("duration_days"),
            ],
            heading="Registration and length",
        ),
        InlinePanel("milestones", heading="Milestones", label="Milestone", min_num=0),
    ]

    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    template = "campaigns/program_page.html"
    base_form_class = ProgramPageForm

    class Meta:
        verbose_name = "program"

    @cached_property
    def ordered_milestones(self):
        return list(self.milestones.all().order_by("sort_order", "pk"))

    @property
    def is_registration_open(self) -> bool:
        return self.registration_status == RegistrationStatus.OPEN

    @cached_classmethod
    def get_edit_handler(cls):
        # Content first, then one tab per phase app, then Wagtail's own tabs.
        tabs = [ObjectList(cls.content_panels, heading=gettext_lazy("Content"))]
        tabs += [ObjectList(panels, heading=heading) for _, heading, panels in _EDITOR_TABS]
        tabs += [
            ObjectList(cls.promote_panels, heading=gettext_lazy("Promote")),
            ObjectList(cls.settings_panels, heading=gettext_lazy("Settings")),
        ]
        return TabbedInterface(tabs, base_form_class=cls.base_form_class).bind_to_model(cls)

    @property
    def preview_modes(self):
        return [("", "Program page"), *((name, label) for name, (label, _) in _PREVIEW_MODES.items())]

    def serve_preview(self, request, mode_name):
        if mode_name in _PREVIEW_MODES:
            return _PREVIEW_MODES[mode_name][1](self, request)
        return super().serve_preview(request, mode_name)

    def serve(self, request, *args, **kwargs):
        # The page carries the public registration form (or the waitlist's while closed): its POST.
        def render_page(extra: dict):
            response = super(ProgramPage, self).serve(request, *args, **kwargs)
            response.context_data.update(extra)  # a TemplateResponse: rendered after this
            return response

        if not _PAGE_FORM:
            return render_page({})
        return _PAGE_FORM[0](self, request, render_page)

    def get_context(self, request, *args, **kwargs):
        from campaigns.selectors import program_mission_progress

        context = super().get_context(request, *args, **kwargs)
        context["mission"] = program_mission_progress(program=self)
        return context


class Milestone(Orderable):
    """A point in the program where students get a real win (and, later, a sharing prompt).

    The course platform reports it through the events API; ``day_offset`` is the fallback
    for creators without an integration: reached automatically that many days after start.
    """

    program = ParentalKey(ProgramPage, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=60,
        blank=True,  # left empty, it is made from the title on save (campaigns.forms)
        help_text="Stable id used by the events API, e.g. first-win. Filled from the title; change it before "
        "your course platform uses it.",
    )
    description = models.TextField(blank=True)
    day_offset = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Reached automatically this many days after the student starts, unless reported sooner. "
        "Leave empty to wait for your course platform's event.",
    )

    panels = [
        FieldRowPanel([FieldPanel("title"), FieldPanel("slug", widget=MilestoneSlugFromTitle)]),
        FieldPanel("description"),
        FieldPanel("day_offset"),
    ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        # Code paths other than the editor (imports, the demo) get the same slug from the title.
        if not self.slug and self.title:
            self.slug = slugify(self.title)[:60].strip("-")
        super().save(*args, **kwargs)
