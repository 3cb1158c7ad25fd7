from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.menu import MenuItem

import mailers.converters  # noqa: F401 - registers <id:...>
from sharing_prompts import admin_views


@hooks.register("register_admin_urls")
def sharing_prompt_admin_urls():
    return [
        path("sharing-prompts/", admin_views.prompt_stats, name="sharing_prompts_stats"),
        path("sharing-prompts/check/", admin_views.check_copy, name="sharing_prompts_check"),
        path("sharing-prompts/<id:page_id>/send-test/", admin_views.send_test, name="sharing_prompts_send_test"),
    ]


@hooks.register("register_admin_menu_item")
def sharing_prompt_stats_menu_item():
    return MenuItem("Sharing prompts", reverse("sharing_prompts_stats"), icon_name="comment", order=205)


@hooks.register("insert_editor_js")
def live_copy_check_js():
    # The non-salesy check as the creator types (the same check runs again on publish).
    return format_html(
        '<script src="{}" data-check-url="{}" defer></script>',
        static("sharing_prompts/live_check.js"),
        reverse("sharing_prompts_check"),
    )
