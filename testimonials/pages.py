"""The testimonial wall: a page the creator places under the home page to show published testimonials."""

from django.core.paginator import Paginator
from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class TestimonialWallPage(Page):
    """Every visible testimonial (or one program's, or only the featured ones), featured first, as cards.

    Read at request time, so a withdrawal or a rejection is gone on the next page view.
    """

    PER_PAGE = 24

    intro = RichTextField(blank=True)
    program = models.ForeignKey(
        "campaigns.ProgramPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Show only this program's testimonials. Leave empty to show every program's.",
    )
    featured_only = models.BooleanField(default=False, help_text="Show only the testimonials marked as featured.")

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel([FieldPanel("program"), FieldPanel("featured_only")], heading="Which testimonials"),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    template = "testimonials/wall_page.html"

    class Meta:
        verbose_name = "testimonial wall"

    def get_context(self, request, *args, **kwargs):
        from testimonials.publishing import wall_testimonials

        context = super().get_context(request, *args, **kwargs)
        testimonials = wall_testimonials(program_id=self.program_id, featured_only=self.featured_only)
        context["testimonials"] = Paginator(testimonials, self.PER_PAGE).get_page(request.GET.get("page"))
        return context
