"""Admin: the referral ask's live SMART-I check in the program editor."""

from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from wagtail import hooks

from referrals import admin_views


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
