"""Admin: the message log (filters, full record, retry), contacts (preferences, suppression), send a test;
model viewsets under Mail (business records, not content: no snippet, no revisions)."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

import mailers.converters  # noqa: F401 - registers <id:...>
from mailers import admin_views
from mailers.exports import SafeExportViewSet
from mailers.models import Contact, Message
from mailers.permissions import ViewOnlyPolicy


class MessageViewSet(SafeExportViewSet, ModelViewSet):
    model = Message
    list_export = [
        "created_at",
        "to_email",
        "kind",
        "category",
        "program_title",
        "status",
        "subject",
        "sent_at",
        "delivered_at",
        "opened_at",
        "clicked_at",
        "bounced_at",
        "attempts",
    ]
    export_filename = "messages"
    name = "mailers_message"
    url_prefix = "mail/messages"
    icon = "mail"
    menu_label = "Message log"
    list_display = ["created_at", "to_email", "kind", "category", "program_title", "status", "sent_at", "attempts"]
    list_filter = ["status", "kind", "category", "program_title"]
    search_fields = ["to_email", "to_name", "subject"]
    ordering = ["-id"]
    inspect_view_enabled = True
    inspect_view_class = admin_views.MessageInspectView
    inspect_view_fields = [
        "to_email",
        "to_name",
        "kind",
        "category",
        "status",
        "deferred_reason",
        "last_error",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "lease_until",
        "provider",
        "provider_message_id",
        "delivered_at",
        "opened_at",
        "clicked_at",
        "bounced_at",
        "complained_at",
        "subject",
        "program_title",
        "idempotency_key",
    ]
    # Nothing is added or edited by hand (the views exist only because a ModelViewSet builds them).
    form_fields = ["to_email"]


class ContactViewSet(SafeExportViewSet, ModelViewSet):
    model = Contact
    list_export = [
        "email",
        "wants_program_emails",
        "wants_referral_asks",
        "unsubscribed_at",
        "suppressed_reason",
        "suppressed_at",
    ]
    export_filename = "contacts"
    name = "mailers_contact"
    url_prefix = "mail/contacts"
    icon = "user"
    menu_label = "Contacts and suppression"
    list_display = ["email", "wants_program_emails", "wants_referral_asks", "suppressed_reason", "suppressed_at"]
    list_filter = ["suppressed_reason", "wants_program_emails", "wants_referral_asks"]
    search_fields = ["email"]
    add_view_class = admin_views.ContactCreateView
    edit_view_class = admin_views.ContactEditView
    edit_handler = ObjectList(
        [
            FieldPanel("email"),
            FieldPanel("wants_program_emails"),
            FieldPanel("wants_referral_asks"),
            FieldPanel("suppressed_reason"),
        ],
        base_form_class=admin_views.ContactForm,
    )


class MailGroup(ModelViewSetGroup):
    menu_label = "Mail"
    menu_icon = "mail"
    menu_order = 210
    items = (MessageViewSet, ContactViewSet)


register_permission_policy(Message, ViewOnlyPolicy(Message))


@hooks.register("register_admin_viewset")
def register_mail():
    return MailGroup()


@hooks.register("register_admin_urls")
def mail_admin_urls():
    return [
        path("mail/send-test/", admin_views.send_test, name="mailers_send_test"),
        path("mail/messages/<id:pk>/retry/", admin_views.message_retry, name="mailers_message_retry"),
    ]


@hooks.register("register_admin_menu_item")
def send_test_menu_item():
    return MenuItem("Send a test email", reverse("mailers_send_test"), icon_name="mail", order=215)
