"""Admin: the conversions (read-only list, and the inspect view with the evidence) and Referrals → Review:
the conversions held for review or refused, each with its reasons, and staff's Approve / Deny with a note."""

import json

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.admin.filters import DateRangePickerWidget
from wagtail.admin.views.generic import InspectView
from wagtail.admin.views.generic.models import IndexView

from referrals.admin_filters import DoorFilterSet, with_simulated
from referrals.conversions import services
from referrals.conversions.models import TO_REVIEW, Conversion, Rule, Status

VIEW_PERMISSION = "referrals.view_conversion"
DECIDE_PERMISSION = "referrals.change_conversion"
REVIEW_LIMIT = 200


class ConversionFilterSet(DoorFilterSet):
    step = django_filters.ChoiceFilter(
        choices=[("joined", "Friends joined (first conversions still counted)")],
        method="filter_noop",
        label="Dashboard step",
    )
    graduate = django_filters.NumberFilter(field_name="graduate_id", label="Graduate (student id)")
    status = django_filters.ChoiceFilter(choices=Status.choices)
    rule = django_filters.ChoiceFilter(choices=Rule.choices)
    source = django_filters.AllValuesFilter(label="Source")
    created_at = django_filters.DateFromToRangeFilter(label="Recorded", widget=DateRangePickerWidget)

    class Meta:
        model = Conversion
        fields = ["program", "status", "rule", "source", "created_at"]


class ConversionIndexView(IndexView):
    def get_base_queryset(self):
        # simulate_cohort's graduates are nobody's: never in the team's lists.
        conversions = super().get_base_queryset().select_related("program", "graduate", "link")
        return conversions if with_simulated(self.request) else conversions.exclude(graduate__simulated=True)


class ConversionInspectView(InspectView):
    template_name = "referrals/admin/conversion_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        conversion = self.object
        context["evidence_text"] = json.dumps(conversion.evidence, indent=2, ensure_ascii=False, sort_keys=True)
        context["can_decide"] = conversion.status in TO_REVIEW and self.request.user.has_perm(DECIDE_PERMISSION)
        context["decide_url"] = reverse("referrals_conversion_decide", args=[conversion.pk])
        return context


@require_http_methods(["GET"])
def review(request):
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    conversions = list(
        Conversion.objects.filter(status__in=TO_REVIEW)
        .exclude(graduate__simulated=True)
        .select_related("program", "graduate", "link")
        .order_by("status", "-created_at", "-pk")[:REVIEW_LIMIT]
    )
    context = {
        "page_title": "Review",
        "held": [c for c in conversions if c.status == Status.REVIEW],
        "refused": [c for c in conversions if c.status == Status.REFUSED],
        "can_decide": request.user.has_perm(DECIDE_PERMISSION),
    }
    return TemplateResponse(request, "referrals/admin/conversion_review.html", context)


@require_POST
def decide(request, pk: int):
    if not request.user.has_perm(DECIDE_PERMISSION):
        raise PermissionDenied
    conversion = get_object_or_404(Conversion, pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "deny"):
        messages.error(request, "Choose Approve or Deny.")
        return redirect("referrals_conversion_review")
    try:
        conversion = services.conversion_decide(
            conversion_id=conversion.pk,
            approve=decision == "approve",
            user=request.user,
            note=request.POST.get("note", ""),
        )
    except services.DecisionError as exc:
        messages.error(request, f"{conversion.friend_email}: {exc}")
    else:
        messages.success(request, f"{conversion.friend_email}: {conversion.get_status_display().lower()}.")
    return redirect("referrals_conversion_review")
