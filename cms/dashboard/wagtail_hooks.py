"""The dashboard's admin URL and its panel on the admin home (imported by cms/wagtail_hooks.py)."""

from django.template.loader import render_to_string
from django.urls import path
from wagtail import hooks
from wagtail.admin.ui.components import Component

from campaigns.models import ProgramPage
from cms.dashboard import metrics
from mailers.permissions import pages_user_can_edit


class ProgramsPanel(Component):
    name = "programs_dashboard"
    order = 50

    def __init__(self, programs):
        self.programs = programs

    def render_html(self, parent_context=None):
        return render_to_string("dashboard/home_panel.html", {"summaries": metrics.program_summaries(self.programs)})


@hooks.register("construct_homepage_panels")
def add_programs_panel(request, panels):
    # Only the programs this user may edit (Wagtail page permissions): the ones whose dashboard opens.
    programs = list(pages_user_can_edit(request.user, ProgramPage).live())
    if programs:
        panels.insert(0, ProgramsPanel(programs))


@hooks.register("register_admin_urls")
def dashboard_urls():
    # Imported here, when the URLs load: a worker loads the hooks but never a views module
    # (tests/mailers/test_kinds.py).
    from cms.dashboard import views

    return [path("dashboard/<int:page_id>/", views.program_dashboard, name="program_dashboard")]
