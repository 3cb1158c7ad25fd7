"""Pages that compose several apps. For now: the site's home page, parent of every program."""

from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from testimonials.blocks import TestimonialsBlock


class HomePage(Page):
    """The site's front page: an introduction, the creator's own blocks (text, testimonials), and the
    list of live programs."""

    intro = RichTextField(blank=True)
    body = StreamField(
        [("paragraph", blocks.RichTextBlock()), ("testimonials", TestimonialsBlock())],
        blank=True,
        use_json_field=True,
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    subpage_types = ["campaigns.ProgramPage", "testimonials.TestimonialWallPage"]
    template = "cms/home_page.html"

    def get_context(self, request, *args, **kwargs):
        from campaigns.models import ProgramPage

        context = super().get_context(request, *args, **kwargs)
        context["programs"] = ProgramPage.objects.child_of(self).live().specific()
        return context
