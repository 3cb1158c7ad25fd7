"""Admin: the referral ask's live SMART-I check in the program editor, and the harvest's records
(friends and registrations, special links) as read-only model viewsets under Referrals."""

from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.views.generic.models import IndexView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from mailers.permissions import ViewOnlyPolicy
from referrals import admin_views
from referrals.models import FriendLead, ReferralLink


@hooks.register("register_admin_urls")
def referral_admin_urls():
    # The URL keeps the name it had when the ask lived in campaigns (the editor's script is given it).
    return [path("referral-ask/check/", admin_views.check_referral_ask, name="campaigns_referral_check")]


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
        return super().get_base_queryset().exclude(student__simulated=True).select_related("student", "program")


class ReferralLinkViewSet(ModelViewSet):
    """Special links: whose, for which program, first shared, revoked (a link is made by the ask)."""

    model = ReferralLink
    name = "referrals_referrallink"
    url_prefix = "referral-links"
    icon = "link"
    menu_label = "Special links"
    index_view_class = ReferralLinkIndexView
    list_display = ["code", "student", "program", "created_at", "first_shared_at", "revoked_at"]
    list_filter = ["program", "created_at", "revoked_at"]
    search_fields = ["code", "student__email", "student__first_name", "student__last_name"]
    ordering = ["-id"]
    inspect_view_enabled = True
    form_fields = ["code"]  # nothing is edited by hand (the views exist only because a ModelViewSet builds them)


class FriendLeadViewSet(ModelViewSet):
    """Friends and visitors who registered: pending until they confirm their address, then enrolled,
    waitlisted or turned away; whose link brought them, and their consent."""

    model = FriendLead
    name = "referrals_friendlead"
    url_prefix = "friends"
    icon = "user"
    menu_label = "Friends and registrations"
    list_display = ["email", "first_name", "program", "status", "registered_at", "confirmed_at", "link"]
    list_filter = ["status", "program", "registered_at"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["-id"]
    inspect_view_enabled = True
    form_fields = ["status"]


class ReferralsGroup(ModelViewSetGroup):
    menu_label = "Referrals"
    menu_icon = "link"
    menu_order = 250
    items = (FriendLeadViewSet, ReferralLinkViewSet)


register_permission_policy(ReferralLink, ViewOnlyPolicy(ReferralLink))
register_permission_policy(FriendLead, ViewOnlyPolicy(FriendLead))


@hooks.register("register_admin_viewset")
def register_referral_records():
    return ReferralsGroup()
