"""Data rights: one student's data exported as JSON, and a student erased everywhere (admin and
command line). The no-trace check searches every text, JSON and binary column of every model, so a
table added later cannot be forgotten."""

import io
import json
from datetime import UTC, timedelta

import pytest
from django.apps import apps
from django.core import mail as django_mail
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import models
from django.db.models.functions import Cast
from django.utils import timezone
from PIL import Image

from campaigns import links
from campaigns.models import Enrollment, JourneyEvent, Student, StudentImport, StudentImportRow
from cms import student_data
from cms.models import StudentErasure
from integrations.models import InboundEvent, Purchase
from mailers import services as mail
from mailers.models import ErasedAddress, Message, Status
from referrals.models import FriendLead
from referrals.webhooks.models import WebhookDelivery, WebhookEndpoint
from testimonials.models import FeedbackResponse, Testimonial
from tests.referrals.graduates import confirm, make_link, register

pytestmark = pytest.mark.django_db

GRADUATE = "maria.lopez@example.org"
FRIEND = "zephyrine.q@example.org"
FRIEND_NAMES = ["Zephyrine", "Quillfeather"]
GRADUATE_NAMES = ["Maria", "Lopez"]


def photo() -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (90, 140, 200)).save(out, "JPEG")
    return ContentFile(out.getvalue(), name="maria.jpg")


@pytest.fixture
def world(client, program):
    """A graduate (feedback, a published testimonial with a photo, a special link) whose friend
    registered and confirmed (so is a student too), emails sent, and the address also in an import,
    an inbound event, a purchase and an outbound webhook body."""
    django_mail.outbox = []
    link = make_link(program, email=GRADUATE)
    graduate = link.student
    testimonial = Testimonial.objects.get(student=graduate)
    testimonial.photo.save("maria.jpg", photo(), save=False)
    testimonial.published_photo = testimonial.photo.name
    testimonial.save()
    register(client, link, first_name="Zephyrine", last_name="Quillfeather", email=FRIEND, share_name="on")
    confirm(client, email=FRIEND)
    mail.messages_send_due(now=timezone.now() + timedelta(minutes=1))
    friend = Student.objects.get(email=FRIEND)
    for person, name in ((graduate, "Maria Lopez"), (friend, "Zephyrine Quillfeather")):
        body = json.dumps({"type": "purchase.completed", "data": {"email": person.email, "name": name}})
        event = InboundEvent.objects.create(source="api", external_id=f"evt-{person.pk}", body=body, accepted=True)
        Purchase.objects.create(
            source="api", order_id=f"o-{person.pk}", email=person.email, program=program, inbound_event=event
        )
        upload = StudentImport.objects.create(
            program=program,
            file_name=f"list-{person.pk}.csv",
            data=f"email,first name\n{person.email},{name}\n".encode(),
            actor="admin:t",
        )
        StudentImportRow.objects.create(
            student_import=upload, line=2, outcome="skipped", reason="already there", cells=[person.email, name]
        )
    endpoint = WebhookEndpoint.objects.create(program=program, url="https://hooks.example.com/x", event_types=[])
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id="msg_1",
        event_type="friend.registered",
        body=json.dumps({"friend": {"first_name": "Zephyrine"}, "graduate": {"email": GRADUATE}}),
    )
    return {"graduate": Student.objects.get(pk=graduate.pk), "friend": friend, "link": link, "program": program}


def traces(needles: list[str]) -> list[tuple[str, str, str]]:
    """Every (model, field, needle) where a needle survives, across every model's text, JSON and binary columns."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        local = [f for f in meta.local_concrete_fields if not f.primary_key]
        for field in local:
            if isinstance(field, models.BinaryField):
                for value in model._base_manager.values_list(field.attname, flat=True):
                    blob = bytes(value or b"").lower()
                    found += [(meta.label, field.name, n) for n in needles if n.lower().encode() in blob]
                continue
            if not isinstance(field, (models.CharField, models.TextField, models.JSONField)):
                continue
            rows = model._base_manager.annotate(_t=Cast(field.attname, models.TextField()))
            found += [(meta.label, field.name, n) for n in needles if rows.filter(_t__icontains=n).exists()]
    return found


def test_the_check_finds_the_student_before_the_erasure(world):
    # Otherwise a check that searches nothing would pass every erasure test.
    found = {(label, field) for label, field, _ in traces([GRADUATE])}
    assert {
        ("campaigns.Student", "email"),
        ("mailers.Message", "to_email"),
        ("integrations.InboundEvent", "body"),
    } <= found
    assert ("campaigns.StudentImport", "data") in found
    found = {(label, field) for label, field, _ in traces(FRIEND_NAMES)}
    assert {("referrals.FriendLead", "first_name"), ("campaigns.JourneyEvent", "reason")} <= found
    assert ("referrals.WebhookDelivery", "body") in found
    assert ("referrals.Conversion", "friend_email") in {(label, field) for label, field, _ in traces([FRIEND])}


def test_export_names_a_friend_only_with_their_consent(world):
    from referrals.models import FriendLead

    FriendLead.objects.filter(email__iexact=FRIEND).update(name_consent_at=None)
    data = student_data.student_export(student=world["graduate"])
    assert [f["name"] for f in data["friends"]] == ["a friend"]
    assert "Zephyrine" not in json.dumps(data["friends"])


def test_export_holds_everything_about_the_student(world):
    data = student_data.student_export(student=world["graduate"])
    assert data["profile"]["email"] == GRADUATE and data["profile"]["last_name"] == "Lopez"
    assert data["enrollments"][0]["program"] == world["program"].title
    assert data["journey"] and all("kind" in event for event in data["journey"])
    assert data["messages"] and {m["to_email"] for m in data["messages"]} == {GRADUATE}
    assert data["feedback"][0]["score"] == 10
    assert data["testimonials"][0]["photos"] == [Testimonial.objects.get(student=world["graduate"]).photo.name]
    assert data["links"][0]["code"] == world["link"].code
    assert [f["name"] for f in data["friends"]] == ["Zephyrine"]  # she agreed to be named
    assert data["purchases"][0]["order_id"] == f"o-{world['graduate'].pk}"
    assert "sharing_prompts" in data and "other_records" in data
    friend = student_data.student_export(student=world["friend"])
    assert friend["registered_as_a_friend"][0]["email"] == FRIEND


def test_erasing_the_graduate_leaves_no_trace_and_keeps_the_counts(world, django_capture_on_commit_callbacks):
    graduate = world["graduate"]
    photo_path = Testimonial.objects.get(student=graduate).photo.path
    before = {
        "students": Student.objects.count(),
        "enrollments": Enrollment.objects.count(),
        "journey": list(JourneyEvent.objects.filter(student=graduate).values_list("kind", flat=True)),
        "messages": Message.objects.count(),
        "leads": FriendLead.objects.count(),
        "feedback": list(FeedbackResponse.objects.values_list("score", flat=True)),
    }
    with django_capture_on_commit_callbacks(execute=True):
        outcome = student_data.student_erase(student=graduate, actor="admin:alice", reason="asked by email on 2 Dec")
    assert not outcome.already_erased
    assert traces([GRADUATE, *GRADUATE_NAMES]) == []
    assert before == {
        "students": Student.objects.count(),
        "enrollments": Enrollment.objects.count(),
        "journey": list(JourneyEvent.objects.filter(student=graduate).values_list("kind", flat=True)),
        "messages": Message.objects.count(),
        "leads": FriendLead.objects.count(),
        "feedback": list(FeedbackResponse.objects.values_list("score", flat=True)),
    }
    testimonial = Testimonial.objects.get(student=graduate)
    assert testimonial.withdrawn_at and not testimonial.text and not testimonial.photo
    assert not Testimonial.objects.visible().filter(pk=testimonial.pk).exists()
    import os

    assert not os.path.exists(photo_path)
    audit = StudentErasure.objects.get(student=graduate)
    assert (audit.erased_by, audit.reason) == ("admin:alice", "asked by email on 2 Dec")
    # The friend they referred keeps their own data.
    assert Student.objects.filter(email=FRIEND).exists()


def test_the_graduate_who_referred_an_erased_friend_sees_a_friend(client, world):
    hub = links.hub_path(world["graduate"].pk)
    assert "Zephyrine" in client.get(hub).content.decode()
    student_data.student_erase(student=world["friend"], actor="admin:alice", reason="their request")
    body = client.get(hub).content.decode()
    assert "a friend" in body and "Zephyrine" not in body
    assert traces([FRIEND, *FRIEND_NAMES]) == []
    # The friend still counts for the graduate.
    assert FriendLead.objects.filter(link=world["link"]).count() == 1


def test_an_erased_address_is_never_mailed_again(world):
    student_data.student_erase(student=world["friend"], actor="admin:alice", reason="their request")
    assert ErasedAddress.objects.count() == 1  # a hash, not the address
    message = mail.message_queue(
        kind="friend_confirm",
        to_email=FRIEND.upper(),
        idempotency_key="again",
        context={"referrer_name": "a graduate", "confirm_url": "https://example.org/c", "confirm_until": "Friday"},
    )
    django_mail.outbox = []
    mail.messages_send_due(now=timezone.now() + timedelta(minutes=5))
    message.refresh_from_db()
    assert message.status == Status.SUPPRESSED
    assert "erased" in message.deferred_reason and django_mail.outbox == []


def test_erasing_twice_changes_nothing_the_second_time(world):
    first = student_data.student_erase(student=world["graduate"], actor="admin:alice", reason="request")
    again = student_data.student_erase(student=world["graduate"], actor="admin:bob", reason="again")
    assert again.already_erased and again.erasure.pk == first.erasure.pk
    assert StudentErasure.objects.count() == 1


def test_a_blank_reason_is_refused_and_nothing_changes(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        student_data.student_erase(student=world["graduate"], actor="admin:alice", reason="   ")
    assert Student.objects.get(pk=world["graduate"].pk).email == GRADUATE


def test_an_erasure_that_fails_halfway_leaves_nothing_half_erased(world, monkeypatch):
    from mailers import erasure

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(erasure, "erase_address", boom)
    with pytest.raises(RuntimeError):
        student_data.student_erase(student=world["graduate"], actor="admin:alice", reason="request")
    assert Student.objects.get(pk=world["graduate"].pk).email == GRADUATE
    assert Testimonial.objects.get(student=world["graduate"]).text
    assert not StudentErasure.objects.exists()


def test_command_line_export_and_erase(world, tmp_path):
    out = io.StringIO()
    call_command("student_data", "export", GRADUATE.upper(), stdout=out)
    assert json.loads(out.getvalue())["profile"]["email"] == GRADUATE
    target = tmp_path / "maria.json"
    call_command("student_data", "export", GRADUATE, "-o", str(target), stdout=io.StringIO())
    assert json.loads(target.read_text())["profile"]["first_name"] == "Maria"
    out = io.StringIO()
    call_command("student_data", "erase", GRADUATE, "--reason", "ticket 12", "--actor", "cli:ops", stdout=out)
    assert "Erased student" in out.getvalue()
    assert StudentErasure.objects.get().erased_by == "cli:ops"
    with pytest.raises(CommandError, match="No student has the address"):
        call_command("student_data", "erase", GRADUATE, "--reason", "again")


def test_command_line_unknown_address_is_a_clear_message():
    with pytest.raises(CommandError, match="No student has the address 'nobody@example.org'"):
        call_command("student_data", "export", "nobody@example.org")
    with pytest.raises(CommandError, match="No student has the address"):
        call_command("student_data", "erase", "nobody@example.org", "--reason", "x")


def test_admin_export_download_and_erase_page(admin_client, world):
    graduate = world["graduate"]
    erase = f"/admin/students/data/{graduate.pk}/erase/"
    page = admin_client.get(f"/admin/students/inspect/{graduate.pk}/").content.decode()
    assert f"/admin/students/data/{graduate.pk}/export/" in page and erase in page
    response = admin_client.get(f"/admin/students/data/{graduate.pk}/export/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["profile"]["email"] == GRADUATE
    # "Delete" leads to the erasure, which asks why.
    assert admin_client.get(f"/admin/students/delete/{graduate.pk}/")["Location"].endswith(erase)
    assert "Why (required)" in admin_client.get(erase).content.decode()
    blank = admin_client.post(erase, {"reason": " "})
    assert blank.status_code == 400 and Student.objects.get(pk=graduate.pk).email == GRADUATE
    done = admin_client.post(erase, {"reason": "their email of 2 Dec"}, follow=True)
    assert done.status_code == 200 and "is erased" in done.content.decode()
    audit = StudentErasure.objects.get()
    assert audit.erased_by == "admin:alice"
    # The audit entry is in the admin: who, when and why, on the student's page and on the erase page.
    when = f"{audit.erased_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    for url in (f"/admin/students/inspect/{graduate.pk}/", erase):
        body = admin_client.get(url).content.decode()
        assert "admin:alice" in body and when in body and "their email of 2 Dec" in body, url
    lists = ["students", "enrollments", "journey", "mail/messages", "mail/contacts", "referral-links", "friends"]
    lists += ["webhook-deliveries", "conversions", "testimonials", "support-cases"]
    lists += ["integrations/events", "integrations/purchases"]
    for url in [*(f"/admin/{name}/" for name in lists), f"/admin/students/inspect/{graduate.pk}/"]:
        body = admin_client.get(url).content.decode()
        assert GRADUATE not in body and "Lopez" not in body, url
        if "inspect" not in url:  # the list's CSV export too
            content = b"".join(admin_client.get(f"{url}?export=csv").streaming_content)
            assert GRADUATE.encode() not in content and b"Lopez" not in content, url
    assert admin_client.get("/admin/students/data/999999/erase/").status_code == 404


def test_admin_erase_needs_the_permission_and_a_post(client, django_user_model, world):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_student")
    )
    client.force_login(user)
    url = f"/admin/students/data/{world['graduate'].pk}/erase/"
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert client.get(f"/admin/students/data/{world['graduate'].pk}/export/").status_code == 403
    assert Student.objects.get(pk=world["graduate"].pk).email == GRADUATE


def test_an_email_still_waiting_for_the_graduate_calls_the_erased_friend_a_friend(world):
    """Before: a loop email queued for the graduate (quiet hours, the send pass not run yet) kept the
    erased friend's first name in its merge data, and would have gone out as "Zephyrine joined"."""
    waiting = Message.objects.filter(to_email=GRADUATE, subject__icontains="Zephyrine").first()
    assert waiting is not None
    Message.objects.filter(pk=waiting.pk).update(status=Status.QUEUED, sent_at=None)
    django_mail.outbox = []
    student_data.student_erase(student=world["friend"], actor="admin:alice", reason="their request")
    waiting.refresh_from_db()
    assert waiting.status == Status.QUEUED  # the graduate's email still goes
    mail.messages_send_due(now=timezone.now() + timedelta(minutes=1))
    sent = [m for m in django_mail.outbox if any(GRADUATE in to for to in m.to)]
    assert len(sent) == 1
    text = sent[0].subject + sent[0].body
    assert "a friend joined" in text and "Zephyrine" not in text and "[erased]" not in text
