"""Admin: the addresses the business records had while they were snippets, as permanent redirects to
their model viewsets, so links already out in the world (team emails about a support case, help-desk
tickets, bookmarks) still lead to the record. Delete a line once nothing can point at it any more."""

from django.http import HttpResponsePermanentRedirect
from django.urls import re_path, reverse
from wagtail import hooks

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
