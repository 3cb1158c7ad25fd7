"""Admin views of the inbound events (the full record, "Replay") and of the platform connections (each
platform's webhook URL, whether its secret is set, the last event, and "Rotate" for the token URLs)."""

import json

import django_filters
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.views.generic import InspectView

from integrations import platforms, services
from integrations.models import SIMULATED_ID_PREFIX, InboundEvent, Outcome, PlatformToken
from integrations.schemas import EVENT_TYPES
from mailers.rendering import absolute

REPLAY_PERMISSION = "integrations.change_inboundevent"
VIEW_PERMISSION = "integrations.view_inboundevent"
ROTATE_PERMISSION = "integrations.change_platformtoken"


class InboundEventFilterSet(WagtailFilterSet):
    source = django_filters.AllValuesFilter(label="Source")
    event_type = django_filters.ChoiceFilter(
        label="Type", choices=[(name, name) for name in (*EVENT_TYPES, *platforms.EVENT_TYPES)]
    )
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices)
    verified = django_filters.BooleanFilter()
    received_at = django_filters.DateFromToRangeFilter(label="Received", widget=DateRangePickerWidget)
    simulated = django_filters.BooleanFilter(label="Simulated (simulate_cohort)", method="filter_simulated")

    class Meta:
        model = InboundEvent
        fields = ["source", "event_type", "outcome", "verified", "received_at", "simulated"]

    def filter_simulated(self, queryset, name, value):
        if value is None:
            return queryset
        lookup = {"external_id__startswith": SIMULATED_ID_PREFIX}
        return queryset.filter(**lookup) if value else queryset.exclude(**lookup)


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


def _connections(new_token: tuple[str, str] | None = None) -> list[dict]:
    tokens = {t.source: t for t in PlatformToken.objects.all()}
    rows = []
    for source, info in platforms.PLATFORMS.items():
        last = InboundEvent.objects.filter(source=source).order_by("-received_at", "-id").first()
        if info.uses_token:
            token = tokens.get(source)
            shown = new_token[1] if new_token and new_token[0] == source else None
            path = reverse(f"integrations_api:webhook_{source}", args=[shown or "TOKEN"])
            url = absolute(path) if shown else absolute(path).replace("TOKEN", "<token: shown once, when made>")
            configured = token is not None
            how = (
                f"URL made {token.rotated_at:%Y-%m-%d %H:%M} UTC by {token.rotated_by or 'someone'}"
                if token
                else "No URL yet: make one, then paste it into the platform's webhook settings."
            )
        else:
            url = absolute(reverse(f"integrations_api:webhook_{source}"))
            configured = bool(getattr(settings, info.setting, ""))
            how = f"{info.setting} is set" if configured else f"Set {info.setting}: until then the webhook answers 503."
            shown = None
        rows.append(
            {
                "source": source,
                "label": info.label,
                "url": url,
                "new_url": bool(shown),
                "configured": configured,
                "how": how,
                "uses_token": info.uses_token,
                "last": last,
                "last_url": reverse("integrations_inboundevent:inspect", args=[last.pk]) if last else "",
                "events_url": reverse("integrations_inboundevent:index") + f"?source={source}",
            }
        )
    return rows


@require_http_methods(["GET"])
def platform_connections(request):
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    return _render_connections(request)


def _render_connections(request, new_token=None):
    context = {
        "connections": _connections(new_token),
        "can_rotate": request.user.has_perm(ROTATE_PERMISSION),
        "page_title": "Platform connections",
    }
    return TemplateResponse(request, "integrations/admin/platform_connections.html", context)


@require_POST
def platform_token_rotate(request, source: str):
    info = platforms.PLATFORMS.get(source)
    if info is None or not info.uses_token:
        raise PermissionDenied
    if not request.user.has_perm(ROTATE_PERMISSION):
        raise PermissionDenied
    token = services.platform_token_rotate(source=source, actor=f"admin:{request.user.get_username()}")
    messages.success(
        request,
        f"A new {info.label} webhook URL is below; the old one stops working now. Paste it into {info.label}: "
        "it is shown only this once.",
    )
    # Rendered, not redirected: the token is never put in a session, a message or a URL we log.
    response = _render_connections(request, new_token=(source, token))
    response["Cache-Control"] = "no-store"
    return response
