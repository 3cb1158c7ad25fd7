"""Admin: our few admin styles (``admin_css``), and the addresses the business records had while they
were snippets, as permanent redirects to their model viewsets, so links already out in the world (team
emails about a support case, help-desk tickets, bookmarks) still lead to the record. Delete a line once
nothing can point at it any more."""

from django.http import HttpResponsePermanentRedirect
from django.urls import path, re_path, reverse
from wagtail import hooks

from cms import student_data_views
from cms.dashboard import wagtail_hooks as dashboard_hooks  # noqa: F401 - the dashboard's URL and home panel

# /admin/snippets/<app_label>/<model_name>/… → the URL namespace of the viewset that took it over.
MOVED_SNIPPETS = {
    ("campaigns", "student"): "campaigns_student",
    ("campaigns", "enrollment"): "campaigns_enrollment",
    ("campaigns", "journeyevent"): "campaigns_journeyevent",
    ("mailers", "message"): "mailers_message",
    ("mailers", "contact"): "mailers_contact",
    ("testimonials", "supportcase"): "testimonials_supportcase",
    ("testimonials", "testimonial"): "testimonials_testimonial",
}


def moved_snippet(request, rest: str, namespace: str):
    # A snippet's "add/" is a viewset's "new/"; the other paths (edit/<pk>/, inspect/<pk>/, …) are the same.
    # The target always starts with the viewset's own /admin/ path, so this never leads off the site.
    target = reverse(f"{namespace}:index") + ("new/" if rest == "add/" else rest)
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)


@hooks.register("register_admin_urls")
def moved_snippet_urls():
    # One exact prefix per moved model: Wagtail's own snippet URLs (its index, any snippet still to come) stay its own.
    return [
        re_path(rf"^snippets/{app_label}/{model_name}/(?P<rest>.*)$", moved_snippet, {"namespace": namespace})
        for (app_label, model_name), namespace in MOVED_SNIPPETS.items()
    ]


@hooks.register("register_admin_urls")
def student_data_urls():
    # Under the students' own admin path; the student page and its "Delete" lead here.
    return [
        path("students/data/<int:pk>/export/", student_data_views.export, name="student_data_export"),
        path("students/data/<int:pk>/erase/", student_data_views.erase, name="student_data_erase"),
    ]


@hooks.register("register_account_settings_panel")
def staff_emails_panel(request, user, profile):
    # Imported when the account page asks: a worker loads the hooks, never the admin's views.
    from cms.staff_emails.account import StaffEmailsPanel

    return StaffEmailsPanel(request, user, profile)


@hooks.register("insert_global_admin_css")
def admin_css():
    """Our few admin styles (cms/static/css/admin.css): listings that scroll sideways on a phone."""
    from django.templatetags.static import static
    from django.utils.html import format_html

    return format_html('<link rel="stylesheet" href="{}">', static("css/admin.css"))
