"""Admin views of the inbound events: the full record (headers, body, outcome) and "Replay"."""

import json

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.views.generic import InspectView

from integrations import services
from integrations.models import InboundEvent, Outcome
from integrations.schemas import EVENT_TYPES

REPLAY_PERMISSION = "integrations.change_inboundevent"


class InboundEventFilterSet(WagtailFilterSet):
    source = django_filters.AllValuesFilter(label="Source")
    event_type = django_filters.ChoiceFilter(label="Type", choices=[(name, name) for name in EVENT_TYPES])
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices)
    verified = django_filters.BooleanFilter()
    received_at = django_filters.DateFromToRangeFilter(label="Received", widget=DateRangePickerWidget)

    class Meta:
        model = InboundEvent
        fields = ["source", "event_type", "outcome", "verified", "received_at"]


def pretty_body(body: str) -> str:
    """Indented when it is JSON, as received otherwise (the template escapes it either way)."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return body


class InboundEventInspectView(InspectView):
    template_name = "integrations/admin/inbound_event_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.object
        context["headers_text"] = json.dumps(event.headers, indent=2, ensure_ascii=False, sort_keys=True)
        context["body_text"] = pretty_body(event.body)
        context["can_replay"] = event.accepted and self.request.user.has_perm(REPLAY_PERMISSION)
        context["replay_url"] = reverse("integrations_event_replay", args=[event.pk])
        if event.duplicate_of_id:
            context["first_url"] = reverse("integrations_inboundevent:inspect", args=[event.duplicate_of_id])
        return context


@require_POST
def event_replay(request, pk: int):
    if not request.user.has_perm(REPLAY_PERMISSION):
        raise PermissionDenied
    event = get_object_or_404(InboundEvent, pk=pk)
    try:
        services.event_replay(event=event, actor=f"admin:{request.user.get_username()}")
    except services.NotReplayable as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Event {event.external_id} queued to be processed again.")
    return redirect(reverse("integrations_inboundevent:inspect", args=[pk]))
