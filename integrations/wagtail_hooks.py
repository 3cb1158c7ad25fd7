"""Admin: Integrations → Inbound events (list, filters, the full record, replay), purchases, the platform
connections (webhook URLs, Rotate), the API docs."""

from django.contrib.auth.models import Permission
from django.urls import path, reverse_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from integrations import admin_views
from integrations.models import InboundEvent, Purchase
from mailers.exports import SafeExportViewSet
from mailers.permissions import ViewOnlyPolicy


class InboundEventViewSet(SafeExportViewSet, ModelViewSet):
    """Read-only: the record of what came in; the only action is Replay."""

    model = InboundEvent
    list_export = [
        "received_at",
        "source",
        "event_type",
        "external_id",
        "verified",
        "accepted",
        "outcome",
        "status_code",
        "processed_at",
        "error",
    ]
    export_filename = "inbound-events"
    name = "integrations_inboundevent"
    icon = "download"
    menu_label = "Inbound events"
    url_prefix = "integrations/events"
    add_to_admin_menu = False
    list_display = ["received_at", "source", "event_type", "external_id", "verified", "outcome", "status_code"]
    filterset_class = admin_views.InboundEventFilterSet
    search_fields = ["external_id", "body"]
    ordering = ["-received_at", "-id"]
    inspect_view_enabled = True
    inspect_view_class = admin_views.InboundEventInspectView
    inspect_view_fields = [
        "source",
        "external_id",
        "event_type",
        "verified",
        "accepted",
        "status_code",
        "received_at",
        "outcome",
        "error",
        "attempts",
        "next_attempt_at",
        "waiting_for",
        "processed_at",
        "body_size",
    ]
    # Nothing is added or edited by hand (the views exist only because a ModelViewSet builds them).
    form_fields = ["source"]


class PurchaseViewSet(SafeExportViewSet, ModelViewSet):
    """Read-only: purchases reported by the platforms, with their referral evidence."""

    model = Purchase
    list_export = [
        "purchased_at",
        "source",
        "order_id",
        "email",
        "program",
        "amount",
        "currency",
        "ref",
        "coupon",
        "affiliate",
        "friend_lead",
        "refunded_at",
        "refund_amount",
    ]
    export_filename = "purchases"
    name = "integrations_purchase"
    icon = "tag"
    menu_label = "Purchases"
    url_prefix = "integrations/purchases"
    add_to_admin_menu = False
    list_display = [
        "purchased_at",
        "source",
        "order_id",
        "email",
        "program",
        "amount",
        "currency",
        "ref",
        "refunded_at",
    ]
    list_filter = ["source", "program"]
    search_fields = ["order_id", "email", "ref", "coupon"]
    inspect_view_enabled = True
    form_fields = ["source"]


class ConnectionsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.VIEW_PERMISSION)


class IntegrationsGroup(ViewSetGroup):
    menu_label = "Integrations"
    menu_icon = "link"
    menu_order = 220
    items = (InboundEventViewSet, PurchaseViewSet)

    def get_submenu_items(self):
        return [
            *super().get_submenu_items(),
            ConnectionsMenuItem(
                "Platform connections", reverse_lazy("integrations_platform_connections"), icon_name="link", order=800
            ),
            MenuItem("Events API docs", reverse_lazy("integrations_api:openapi-view"), icon_name="doc-full", order=900),
        ]


register_permission_policy(InboundEvent, ViewOnlyPolicy(InboundEvent))
register_permission_policy(Purchase, ViewOnlyPolicy(Purchase))


@hooks.register("register_admin_viewset")
def register_integrations():
    return IntegrationsGroup()


@hooks.register("register_admin_urls")
def integrations_admin_urls():
    return [
        path("integrations/events/<int:pk>/replay/", admin_views.event_replay, name="integrations_event_replay"),
        path("integrations/connections/", admin_views.platform_connections, name="integrations_platform_connections"),
        path(
            "integrations/connections/<str:source>/rotate/",
            admin_views.platform_token_rotate,
            name="integrations_platform_rotate",
        ),
    ]


@hooks.register("register_permissions")
def platform_token_permissions():
    # "Can change platform token" lets a group rotate the Teachable and Kajabi webhook URLs.
    return Permission.objects.filter(content_type__app_label="integrations", codename="change_platformtoken")
