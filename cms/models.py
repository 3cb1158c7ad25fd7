"""Pages that compose several apps. For now: the site's home page, parent of every program."""

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The site's front page: an introduction and the list of live programs."""

    intro = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["campaigns.ProgramPage"]
    template = "cms/home_page.html"

    def get_context(self, request, *args, **kwargs):
        from campaigns.models import ProgramPage

        context = super().get_context(request, *args, **kwargs)
        context["programs"] = ProgramPage.objects.child_of(self).live().specific()
        return context
