"""Admin of outbound webhooks: endpoints (add, edit with the URL checked, pause and resume, rotate the
secret, send a test event) and the delivery log (every attempt, Replay).

The signing secret is shown once, on the page that answers the creation or the rotation (as
Wagtail shows an API token), never in a list, the inspect view or a log: lost, it is rotated.
"""

import json

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views.generic import CreateView, DeleteView, EditView, IndexView, InspectView

from campaigns.models import ProgramPage
from mailers.permissions import pages_user_can_edit
from referrals.webhooks import catalogue, services
from referrals.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

CHANGE_PERMISSION = "referrals.change_webhookendpoint"


def programs_for(user):
    return pages_user_can_edit(user, ProgramPage)


class WebhookEndpointForm(WagtailAdminModelForm):
    # The model's validator says why an address is refused (not https, not public, does not resolve).
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text="A public https address of your system. Redirects are not followed.",
    )
    event_types = forms.MultipleChoiceField(
        choices=catalogue.choices(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event, including ones added later.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["program", "url", "description", "event_types"]
        # A plain choice among the programs this user may edit, not the page explorer.
        widgets = {"program": forms.Select}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None:
            # Only the programs this user may edit: an endpoint hears everything its program does.
            self.fields["program"].queryset = programs_for(self.for_user)


def _may_see(user, program_id: int) -> bool:
    return user.is_superuser or programs_for(user).filter(pk=program_id).exists()


class ProgramScopedMixin:
    """An endpoint's own pages (inspect, edit, delete) only for someone who may edit its program."""

    def get_object(self, queryset=None):
        endpoint = super().get_object(queryset)
        if not _may_see(self.request.user, endpoint.program_id):
            raise PermissionDenied
        return endpoint


class EndpointEditView(ProgramScopedMixin, EditView):
    pass


class EndpointDeleteView(ProgramScopedMixin, DeleteView):
    pass


class EndpointIndexView(IndexView):
    def get_base_queryset(self):
        queryset = super().get_base_queryset().select_related("program")
        if self.request.user.is_superuser:
            return queryset
        return queryset.filter(program__in=programs_for(self.request.user))


def secret_page(request, endpoint: WebhookEndpoint, *, rotated: bool) -> TemplateResponse:
    response = TemplateResponse(
        request,
        "referrals/admin/webhook_secret.html",
        {
            "object": endpoint,
            "secret": endpoint.secret,
            "rotated": rotated,
            "page_title": "Signing secret",
            "header_icon": "key",
            "inspect_url": reverse("referrals_webhookendpoint:inspect", args=[endpoint.pk]),
        },
    )
    response["Cache-Control"] = "no-store"  # the secret must not sit in a browser or proxy cache
    return response


class EndpointCreateView(CreateView):
    def form_valid(self, form):
        response = super().form_valid(form)
        if response.status_code == 302 and self.object is not None and self.object.pk:
            return secret_page(self.request, self.object, rotated=False)
        return response


class EndpointInspectView(ProgramScopedMixin, InspectView):
    template_name = "referrals/admin/webhook_endpoint_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        endpoint = self.object
        context["can_change"] = self.request.user.has_perm(CHANGE_PERMISSION)
        context["pending"] = services.pending_count(endpoint)
        context["recent"] = endpoint.deliveries.order_by("-created_at", "-pk")[:20]
        context["deliveries_url"] = reverse("referrals_webhookdelivery:index") + f"?endpoint={endpoint.pk}"
        context["action_urls"] = {
            name: reverse(f"referrals_webhook_{name}", args=[endpoint.pk])
            for name in ("pause", "resume", "rotate", "test")
        }
        return context

    def get_fields(self):
        return ["program", "url", "description", "created_at", "failing_since", "paused_at"]


class DeliveryFilterSet(WagtailFilterSet):
    endpoint = django_filters.ModelChoiceFilter(queryset=WebhookEndpoint.objects.all())
    event_type = django_filters.ChoiceFilter(
        label="Type", choices=[*catalogue.choices(), (catalogue.TEST, catalogue.TEST)]
    )
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "event_type", "status"]


class DeliveryIndexView(IndexView):
    def get_base_queryset(self):
        queryset = super().get_base_queryset().select_related("endpoint")
        if self.request.user.is_superuser:
            return queryset
        return queryset.filter(endpoint__program__in=programs_for(self.request.user))


def pretty(body: str) -> str:
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return body


class DeliveryInspectView(InspectView):
    template_name = "referrals/admin/webhook_delivery_inspect.html"

    def get_object(self, queryset=None):
        delivery = super().get_object(queryset)
        if not _may_see(self.request.user, delivery.endpoint.program_id):
            raise PermissionDenied
        return delivery

    def get_fields(self):
        return [
            "endpoint",
            "event_type",
            "event_id",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "delivered_at",
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["body_text"] = pretty(self.object.body)
        context["attempts"] = self.object.attempt_log.order_by("-attempted_at", "-pk")
        context["can_replay"] = self.request.user.has_perm(CHANGE_PERMISSION)
        context["replay_url"] = reverse("referrals_webhook_replay", args=[self.object.pk])
        context["endpoint_paused"] = not self.object.endpoint.is_active
        return context


def _endpoint(request, pk: int) -> WebhookEndpoint:
    if not request.user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied
    endpoint = get_object_or_404(WebhookEndpoint.objects.select_related("program"), pk=pk)
    if not _may_see(request.user, endpoint.program_id):
        raise PermissionDenied
    return endpoint


def _back(endpoint: WebhookEndpoint):
    return redirect(reverse("referrals_webhookendpoint:inspect", args=[endpoint.pk]))


@require_POST
def endpoint_pause(request, pk: int):
    endpoint = _endpoint(request, pk)
    services.endpoint_pause(endpoint=endpoint, actor=request.user.get_username())
    messages.success(request, "Paused: nothing is sent to it until you resume it.")
    return _back(endpoint)


@require_POST
def endpoint_resume(request, pk: int):
    endpoint = _endpoint(request, pk)
    waiting = services.endpoint_resume(endpoint=endpoint)
    messages.success(request, f"Resumed: {waiting} waiting event(s) are being sent.")
    return _back(endpoint)


@require_POST
def endpoint_rotate(request, pk: int):
    endpoint = services.endpoint_rotate_secret(endpoint=_endpoint(request, pk))
    return secret_page(request, endpoint, rotated=True)


@require_POST
def endpoint_test(request, pk: int):
    endpoint = _endpoint(request, pk)
    delivery = services.endpoint_send_test(endpoint=endpoint, actor=request.user.get_username())
    messages.success(request, "Test event queued: its attempt is in the delivery log.")
    return redirect(reverse("referrals_webhookdelivery:inspect", args=[delivery.pk]))


@require_POST
def delivery_replay(request, pk: int):
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("endpoint"), pk=pk)
    _endpoint(request, delivery.endpoint_id)
    services.delivery_replay(delivery=delivery)
    messages.success(request, f"Delivery {delivery.event_id} queued to be sent again (same webhook-id).")
    return redirect(reverse("referrals_webhookdelivery:inspect", args=[pk]))
