"""Admin: the referral ask's live SMART-I check in the program editor, the harvest's records
(friends and registrations, special links) as read-only model viewsets under Referrals, and the
program's outbound webhooks there too (endpoints, and the delivery log with Replay)."""

from django.contrib.auth.models import Permission
from django.templatetags.static import static
from django.urls import path, reverse, reverse_lazy
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.models import IndexView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from campaigns.admin_views import SEARCH_BY_STUDENT
from mailers.exports import SafeExportViewSet
from mailers.permissions import ViewOnlyPolicy
from referrals import admin_filters, admin_views
from referrals.conversions import admin_views as conversion_admin
from referrals.conversions.models import Conversion
from referrals.models import FriendLead, ReferralClick, ReferralLink
from referrals.rewards import admin_views as reward_admin
from referrals.rewards.models import Reward
from referrals.webhooks import admin_views as webhook_admin
from referrals.webhooks.models import WebhookDelivery, WebhookEndpoint


@hooks.register("register_admin_urls")
def referral_admin_urls():
    # The URL keeps the name it had when the ask lived in campaigns (the editor's script is given it).
    return [
        path("referral-ask/check/", admin_views.check_referral_ask, name="campaigns_referral_check"),
        *(
            path(f"webhook-endpoints/<int:pk>/{name}/", view, name=f"referrals_webhook_{name}")
            for name, view in (
                ("pause", webhook_admin.endpoint_pause),
                ("resume", webhook_admin.endpoint_resume),
                ("rotate", webhook_admin.endpoint_rotate),
                ("test", webhook_admin.endpoint_test),
            )
        ),
        path("webhook-deliveries/<int:pk>/replay/", webhook_admin.delivery_replay, name="referrals_webhook_replay"),
        path("conversions/review/", conversion_admin.review, name="referrals_conversion_review"),
        path("conversions/<int:pk>/decide/", conversion_admin.decide, name="referrals_conversion_decide"),
        path("rewards/<int:pk>/ship/", reward_admin.mark_shipped, name="referrals_reward_ship"),
        path("rewards/codes/", reward_admin.code_bank, name="referrals_reward_codes"),
    ]


@hooks.register("insert_editor_js")
def smart_i_live_js():
    # The SMART-I report as the creator types (the same check runs again on publish).
    return format_html(
        '<script src="{}" data-check-url="{}" defer></script>',
        static("referrals/smarti_live.js"),
        reverse("campaigns_referral_check"),
    )


# --- The harvest's records: read-only lists (links are made by the ask, leads by the public forms) ---


class ReferralLinkIndexView(IndexView):
    def get_base_queryset(self):
        # simulate_cohort's graduates are nobody's: never in the team's lists.
        links = super().get_base_queryset().select_related("student", "program")
        return links if admin_filters.with_simulated(self.request) else links.exclude(student__simulated=True)


class ReferralLinkViewSet(SafeExportViewSet, ModelViewSet):
    """Special links: whose, for which program, first shared, revoked (a link is made by the ask)."""

    model = ReferralLink
    list_export = ["code", "student", "program", "created_at", "first_shared_at", "revoked_at"]
    export_filename = "links"
    name = "referrals_referrallink"
    url_prefix = "referral-links"
    icon = "link"
    menu_label = "Special links"
    index_view_class = ReferralLinkIndexView
    list_display = ["code", "student", "program", "created_at", "first_shared_at", "revoked_at"]
    list_filter = ["program", "created_at", "revoked_at"]
    search_fields = ["code", *SEARCH_BY_STUDENT]
    ordering = ["-id"]
    inspect_view_enabled = True
    form_fields = ["code"]  # nothing is edited by hand (the views exist only because a ModelViewSet builds them)


class ReferralClickIndexView(IndexView):
    def get_base_queryset(self):
        clicks = super().get_base_queryset().select_related("link__student", "link__program")
        return clicks if admin_filters.with_simulated(self.request) else clicks.exclude(link__student__simulated=True)


class ReferralClickViewSet(ModelViewSet):
    """Read-only: each person's visit through a link (one per browser per day); the dashboard's
    "Link clicks (people)" opens it with one row per person."""

    model = ReferralClick
    name = "referrals_referralclick"
    url_prefix = "link-clicks"
    icon = "link-external"
    menu_label = "Link clicks"
    index_view_class = ReferralClickIndexView
    list_display = ["clicked_at", "link", "visitor", "day"]
    filterset_class = admin_filters.ReferralClickFilterSet
    ordering = ["-clicked_at", "-id"]
    form_fields = ["day"]  # nothing is edited by hand (the views exist only because a ModelViewSet builds them)


class FriendLeadViewSet(SafeExportViewSet, ModelViewSet):
    """Friends and visitors who registered: pending until they confirm their address, then enrolled,
    waitlisted or turned away; whose link brought them, and their consent."""

    model = FriendLead
    list_export = [
        "email",
        "first_name",
        "last_name",
        "program",
        "status",
        "registered_at",
        "confirmed_at",
        "name_consent_at",
        "link",
        "student",
        "attribution_note",
    ]
    export_filename = "friends"
    name = "referrals_friendlead"
    url_prefix = "friends"
    icon = "user"
    menu_label = "Friends and registrations"
    list_display = ["email", "first_name", "program", "status", "registered_at", "confirmed_at", "link"]
    filterset_class = admin_filters.FriendLeadFilterSet  # status, program, registered, and the dashboard's doors
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["-id"]
    inspect_view_enabled = True
    form_fields = ["status"]


class WebhookEndpointViewSet(ModelViewSet):
    """Where a program's events are posted: add, edit (the URL checked), pause, resume, rotate, test."""

    model = WebhookEndpoint
    name = "referrals_webhookendpoint"
    url_prefix = "webhook-endpoints"
    icon = "resubmit"
    menu_label = "Webhook endpoints"
    index_view_class = webhook_admin.EndpointIndexView
    add_view_class = webhook_admin.EndpointCreateView
    edit_view_class = webhook_admin.EndpointEditView
    delete_view_class = webhook_admin.EndpointDeleteView
    list_display = ["url", "program", "status_label", "events_label", "failing_since"]
    list_filter = ["program", "is_active"]
    search_fields = ["url", "description"]
    ordering = ["program", "url"]
    inspect_view_enabled = True
    inspect_view_class = webhook_admin.EndpointInspectView

    def get_form_class(self, for_update=False):
        return webhook_admin.WebhookEndpointForm


class WebhookDeliveryViewSet(SafeExportViewSet, ModelViewSet):
    """Read-only: each event sent to an endpoint, its attempts and their answers; the action is Replay."""

    model = WebhookDelivery
    list_export = [
        "created_at",
        "event_type",
        "event_id",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    export_filename = "webhook-deliveries"
    name = "referrals_webhookdelivery"
    url_prefix = "webhook-deliveries"
    icon = "list-ul"
    menu_label = "Webhook deliveries"
    index_view_class = webhook_admin.DeliveryIndexView
    list_display = ["created_at", "event_type", "endpoint", "status", "attempts", "last_status_code", "next_attempt_at"]
    filterset_class = webhook_admin.DeliveryFilterSet
    search_fields = ["event_id"]
    ordering = ["-created_at", "-id"]
    inspect_view_enabled = True
    inspect_view_class = webhook_admin.DeliveryInspectView
    form_fields = ["status"]  # nothing is edited by hand (the views exist only because a ModelViewSet builds them)


class ConversionViewSet(SafeExportViewSet, ModelViewSet):
    """Read-only: each friend's registration or purchase, whom it is attributed to, by which rule, on what
    evidence, and what validation made of it (the decisions are taken in Review)."""

    model = Conversion
    list_export = [
        "friend_email",
        "program",
        "graduate",
        "rule",
        "status",
        "reasons_text",
        "source",
        "order_id",
        "occurred_at",
        "created_at",
        "hold_until",
        "approved_at",
        "refunded_at",
    ]
    export_filename = "conversions"
    name = "referrals_conversion"
    url_prefix = "conversions"
    icon = "success"
    menu_label = "Conversions"
    index_view_class = conversion_admin.ConversionIndexView
    list_display = ["friend_email", "program", "graduate", "rule", "status", "reasons_text", "created_at", "hold_until"]
    filterset_class = conversion_admin.ConversionFilterSet
    search_fields = ["friend_email", "order_id", "graduate__email"]
    ordering = ["-created_at", "-id"]
    inspect_view_enabled = True
    inspect_view_class = conversion_admin.ConversionInspectView
    form_fields = ["note"]  # nothing is edited by hand (the views exist only because a ModelViewSet builds them)


class RewardViewSet(SafeExportViewSet, ModelViewSet):
    """Graduates' thank-yous: owed, released, fulfilled, revoked, with why; "Mark shipped" for a gift."""

    model = Reward
    list_export = [
        "student",
        "program",
        "number",
        "tier_friends",
        "kind",
        "description",
        "target_program",
        "target_ref",
        "status",
        "reason",
        "created_at",
        "released_at",
        "shipped_at",
        "tracking_note",
        "revoked_at",
    ]
    export_filename = "rewards"
    name = "referrals_reward"
    url_prefix = "rewards"
    icon = "pick"
    menu_label = "Rewards"
    index_view_class = reward_admin.RewardIndexView
    list_display = ["student", "program", "tier", "kind", "status", "reason", "released_at", "shipped_at"]
    filterset_class = reward_admin.RewardFilterSet
    search_fields = [*SEARCH_BY_STUDENT, "tracking_note"]
    ordering = ["-created_at", "-id"]
    inspect_view_enabled = True
    inspect_view_class = reward_admin.RewardInspectView
    form_fields = ["tracking_note"]  # nothing is edited by hand: "Mark shipped" is the action


class CodeBankMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(reward_admin.CHANGE_PERMISSION)


class ReviewMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(conversion_admin.VIEW_PERMISSION)


class ReferralsGroup(ModelViewSetGroup):
    menu_label = "Referrals"
    menu_icon = "link"
    menu_order = 250
    items = (
        FriendLeadViewSet,
        ReferralLinkViewSet,
        ReferralClickViewSet,
        ConversionViewSet,
        RewardViewSet,
        WebhookEndpointViewSet,
        WebhookDeliveryViewSet,
    )

    def get_submenu_items(self):
        return [
            *super().get_submenu_items(),
            ReviewMenuItem("Review", reverse_lazy("referrals_conversion_review"), icon_name="help", order=850),
            CodeBankMenuItem("Code bank", reverse_lazy("referrals_reward_codes"), icon_name="key", order=860),
        ]


register_permission_policy(ReferralLink, ViewOnlyPolicy(ReferralLink))
register_permission_policy(FriendLead, ViewOnlyPolicy(FriendLead))
register_permission_policy(ReferralClick, ViewOnlyPolicy(ReferralClick))
register_permission_policy(WebhookDelivery, ViewOnlyPolicy(WebhookDelivery))
register_permission_policy(Conversion, ViewOnlyPolicy(Conversion))
register_permission_policy(Reward, ViewOnlyPolicy(Reward))


@hooks.register("register_permissions")
def conversion_permissions():
    # "Can view conversion" opens Review; "Can change conversion" lets a group approve or deny there.
    return Permission.objects.filter(
        content_type__app_label="referrals",
        codename__in=("view_conversion", "change_conversion", "view_reward", "change_reward"),
    )


@hooks.register("register_admin_viewset")
def register_referral_records():
    return ReferralsGroup()
