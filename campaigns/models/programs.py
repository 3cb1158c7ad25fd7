"""Programs: the Wagtail page a course creator authors, with its mission and milestones."""

from collections.abc import Callable
from dataclasses import dataclass

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


@dataclass(frozen=True)
class ProgramEditor:
    """What the apps above the engine add to the program's page type: the editor's tabs between
    Content and Promote, the checks a program must pass to be published, the preview modes, the
    emails of the "Emails" preview, and the public page's form. Composed in one place,
    ``cms/program_editor.py``, so this page type imports none of them."""

    tabs: tuple[tuple[str, list], ...] = ()  # (heading, panels)
    publish_checks: tuple[Callable, ...] = ()  # check(form) adds errors to the form or its formsets
    preview_modes: tuple[tuple[str, str, Callable], ...] = ()  # (name, label, render(page, request))
    email_previews: tuple[Callable, ...] = ()  # previews(page, user, links) -> [EmailPreview]
    # serve(page, request, render_page): the page's form (registration while open, the waitlist while
    # closed); render_page(extra_context) renders the page itself.
    serve_form: Callable | None = None


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
    editor = ProgramEditor()  # replaced by cms.program_editor.install() at start-up

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
        tabs += [ObjectList(panels, heading=heading) for heading, panels in cls.editor.tabs]
        tabs += [
            ObjectList(cls.promote_panels, heading=gettext_lazy("Promote")),
            ObjectList(cls.settings_panels, heading=gettext_lazy("Settings")),
        ]
        return TabbedInterface(tabs, base_form_class=cls.base_form_class).bind_to_model(cls)

    @property
    def preview_modes(self):
        return [("", "Program page"), *((name, label) for name, label, _ in self.editor.preview_modes)]

    def serve_preview(self, request, mode_name):
        for name, _, render in self.editor.preview_modes:
            if name == mode_name:
                return render(self, request)
        return super().serve_preview(request, mode_name)

    def serve(self, request, *args, **kwargs):
        # The page carries the public registration form (or the waitlist's while closed): its POST.
        def render_page(extra: dict):
            response = super(ProgramPage, self).serve(request, *args, **kwargs)
            response.context_data.update(extra)  # a TemplateResponse: rendered after this
            return response

        if self.editor.serve_form is None:
            return render_page({})
        return self.editor.serve_form(self, request, render_page)

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
