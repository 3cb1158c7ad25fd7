"""The team's side of the mailer: the message log, retrying a failure, sending a test to themselves."""

from unittest import mock

import pytest
from anymail.exceptions import AnymailRecipientsRefused
from django.core import mail
from django.urls import reverse

from mailers.models import Message, Status
from tests.factories import enroll

pytestmark = pytest.mark.django_db


def test_send_test_to_me_renders_and_sends(admin_client, program):
    page = admin_client.get(reverse("mailers_send_test"))
    assert page.status_code == 200 and "{{ first_name }}" in page.content.decode()
    response = admin_client.post(
        reverse("mailers_send_test"),
        {"program": program.pk, "subject": "Hi {{ first_name }}", "body": "For {{ program_title }}"},
    )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["alice@example.org"]
    assert mail.outbox[-1].subject == "[Test] Hi there"
    assert "For Program focus" in mail.outbox[-1].body


def test_send_test_shows_merge_errors_and_sends_nothing(admin_client, program):
    response = admin_client.post(
        reverse("mailers_send_test"),
        {"program": program.pk, "subject": "Hi {{ frist_name }}", "body": "{% load evil %}"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Unknown merge field {{ frist_name }}" in str(errors["subject"])
    assert "is not a merge field" in str(errors["body"])
    assert mail.outbox == []


def test_message_log_lists_filters_and_shows_a_message(admin_client, queue):
    sent = queue(to_email="ann@example.org")
    with mock.patch("anymail.backends.test.EmailBackend.post_to_esp", side_effect=AnymailRecipientsRefused("no")):
        failed = queue(to_email="bo@example.org")
    listing = admin_client.get(reverse("mailers_message:index"), {"status": "failed"})
    html = listing.content.decode()
    assert "bo@example.org" in html and "ann@example.org" not in html
    page = admin_client.get(reverse("mailers_message:inspect", args=[sent.pk])).content.decode()
    assert "Hello Ann" in page and "srcdoc" in page
    failed_page = admin_client.get(reverse("mailers_message:inspect", args=[failed.pk]))
    assert "refused by the provider" in failed_page.content.decode() and "Retry sending" in failed_page.content.decode()
    # The log is the engine's record: nobody adds or edits messages by hand.
    assert admin_client.get(reverse("mailers_message:add")).status_code in (302, 403)


def test_retry_button_requeues_a_failed_message(admin_client, queue, django_capture_on_commit_callbacks):
    with mock.patch("anymail.backends.test.EmailBackend.post_to_esp", side_effect=AnymailRecipientsRefused("no")):
        failed = queue()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("mailers_message_retry", args=[failed.pk]))
    assert response.status_code == 302 and response["Location"] == f"/admin/mail/messages/inspect/{failed.pk}/"
    failed.refresh_from_db()
    assert failed.status == Status.SENT


def test_retry_requires_post(admin_client, queue):
    message = queue()
    assert admin_client.get(reverse("mailers_message_retry", args=[message.pk])).status_code == 405


def test_student_timeline_lists_their_messages(admin_client, program, queue):
    enrollment = enroll(program=program, email="tl@example.org")
    queue(
        to_email="tl@example.org", student_id=enrollment.student_id, program_id=program.pk, program_title=program.title
    )
    html = admin_client.get(reverse("campaigns_student:inspect", args=[enrollment.student_id])).content.decode()
    assert "Messages" in html
    assert Message.objects.get().subject in html


def test_contact_edits_in_the_admin_apply_at_once(admin_client, queue):
    from datetime import timedelta

    from django.utils import timezone

    from mailers import services
    from mailers.models import Contact

    waiting = services.message_queue(
        kind="announcement",
        to_email="ann@example.org",
        idempotency_key="later",
        context={"subject": "S", "body": "B"},
        send_after=timezone.now() + timedelta(days=1),
    )
    contact = Contact.objects.get(email="ann@example.org")
    url = reverse("mailers_contact:edit", args=[contact.pk])
    response = admin_client.post(
        url,
        {"email": "ann@example.org", "wants_program_emails": "", "wants_referral_asks": "on", "suppressed_reason": ""},
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Status.OPTED_OUT  # program email stopped, as on the public page
    admin_client.post(url, {"email": "ann@example.org", "wants_referral_asks": "on", "suppressed_reason": "manual"})
    contact.refresh_from_db()
    assert contact.suppressed_reason == "manual" and contact.suppressed_at is not None
    admin_client.post(url, {"email": "ann@example.org", "wants_referral_asks": "on", "suppressed_reason": ""})
    contact.refresh_from_db()
    assert contact.suppressed_reason == "" and contact.suppressed_at is None
    # The address cannot be changed by an edit.
    admin_client.post(url, {"email": "other@example.org", "wants_referral_asks": "on", "suppressed_reason": ""})
    contact.refresh_from_db()
    assert contact.email == "ann@example.org" and not Contact.objects.filter(email="other@example.org").exists()


def test_the_team_can_suppress_an_address_never_written_to(admin_client):
    from mailers.models import Contact

    response = admin_client.post(
        reverse("mailers_contact:add"),
        {"email": "Do-Not-Mail@Example.org", "suppressed_reason": "manual"},
    )
    assert response.status_code == 302
    assert Contact.objects.get(email__iexact="do-not-mail@example.org").suppressed_reason == "manual"
    bad = admin_client.post(reverse("mailers_contact:add"), {"email": "nope"})
    assert bad.status_code == 200 and Contact.objects.count() == 1


def test_send_test_accepts_every_field_the_form_lists(admin_client, program, django_capture_on_commit_callbacks):
    from django.core import mail
    from django.urls import reverse

    mail.outbox = []
    body = "Progress: {{ mission_progress }} {{ special_link }} {{ friend_offer }} {{ first_name }}"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("mailers_send_test"), {"program": program.pk, "subject": "Hi {{ first_name }}", "body": body}
        )
    assert response.status_code == 302
    [sent] = mail.outbox
    # The chosen program's own figures; a test link; what the program has not set (no ask yet) stays a placeholder.
    assert "Progress: 100 families so far, toward 1,000." in sent.body and "/mail/test-link/special-link/" in sent.body
    assert "[friend offer]" in sent.body


def test_the_message_log_searches_and_is_under_mail_in_the_menu(admin_client, queue):
    queue(to_email="ann@example.org")
    queue(to_email="bo@example.org")
    url = reverse("mailers_message:index")
    assert url == "/admin/mail/messages/"
    found = admin_client.get(url, {"q": "bo@"}).content.decode()
    assert "bo@example.org" in found and "ann@example.org" not in found
    menu = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Message log" in menu and "Contacts and suppression" in menu and "/admin/mail/contacts/" in menu


def test_the_contact_list_filters_by_suppression_and_searches(admin_client):
    from mailers import services

    services.contact_suppress(email="gone@example.org", reason="manual")
    services.contact_set_preferences(email="here@example.org", program_emails=True, referral_asks=False)
    url = reverse("mailers_contact:index")
    suppressed = admin_client.get(url, {"suppressed_reason": "manual"}).content.decode()
    assert "gone@example.org" in suppressed and "here@example.org" not in suppressed
    no_asks = admin_client.get(url, {"wants_referral_asks": "false"}).content.decode()
    assert "here@example.org" in no_asks and "gone@example.org" not in no_asks
    found = admin_client.get(url, {"q": "here"}).content.decode()
    assert "here@example.org" in found and "gone@example.org" not in found


def test_who_may_change_contacts_is_the_model_permission(client, django_user_model):
    from django.contrib.auth.models import Group, Permission

    from mailers import services
    from mailers.models import Contact

    services.contact_set_preferences(email="ann@example.org", program_emails=True, referral_asks=True)
    contact = Contact.objects.get(email="ann@example.org")
    user = django_user_model.objects.create_user(username="sam", password="pw-sam-12345")
    group = Group.objects.create(name="Mail readers")
    group.permissions.add(*Permission.objects.filter(codename__in=["access_admin", "view_message"]))
    user.groups.add(group)
    client.force_login(user)
    assert client.get(reverse("mailers_message:index")).status_code == 200
    edit = reverse("mailers_contact:edit", args=[contact.pk])
    data = {
        "email": "ann@example.org",
        "wants_program_emails": "",
        "wants_referral_asks": "",
        "suppressed_reason": "manual",
    }
    for refused in (client.get(reverse("mailers_contact:index")), client.post(edit, data)):
        assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    contact.refresh_from_db()
    assert contact.suppressed_reason == "" and contact.wants_program_emails
    group.permissions.add(Permission.objects.get(codename="change_contact"))
    user = django_user_model.objects.get(pk=user.pk)  # permissions are cached per user object
    client.force_login(user)
    assert client.post(edit, data)["Location"] == reverse("mailers_contact:index")
    contact.refresh_from_db()
    assert contact.suppressed_reason == "manual" and not contact.wants_program_emails
