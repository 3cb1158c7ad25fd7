"""What the public sees (the wall page, the home page block, the card and photo URLs) and what the
team does in the admin (the moderation queue)."""

import io
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from campaigns.models import JourneyEvent, Student
from cms.models import HomePage
from testimonials import models, pages, publishing
from testimonials.cards import render_share_card
from testimonials.images import process_photo
from testimonials.models import Consent, ModerationStatus
from tests.factories import StudentFactory, enroll, home_page, program_page, testimonial

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script><b>bold</b>'
EDIT_URL = "testimonials_testimonial:edit"
INSPECT_URL = "testimonials_testimonial:inspect"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def a_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 300), (90, 140, 200)).save(out, format="JPEG")
    return process_photo(out.getvalue())


def with_photo(item: models.Testimonial) -> models.Testimonial:
    """A photo on the submission and, when the testimonial is published, an approved one."""
    item.photo.save("face.jpg", ContentFile(a_photo()), save=False)
    if item.published_at is not None:
        item.published_photo = item.photo.name
    item.save()
    return item


def wall(**fields) -> pages.TestimonialWallPage:
    page = pages.TestimonialWallPage(title="What graduates say", slug=fields.pop("slug", "stories"), **fields)
    home_page().add_child(instance=page)
    page.save_revision().publish()
    return page


def every_state(program) -> dict[str, models.Testimonial]:
    now = timezone.now()
    return {
        state: testimonial(program=program, text=f"words of {state}", **fields)
        for state, fields in {
            "pending": {},
            "approved": {"status": ModerationStatus.APPROVED, "submitted_at": now - timedelta(days=1)},
            "featured": {"status": ModerationStatus.FEATURED, "submitted_at": now - timedelta(days=30)},
            "rejected": {"status": ModerationStatus.REJECTED},
            "private": {"status": ModerationStatus.APPROVED, "consent": Consent.PRIVATE},
            "withdrawn": {"status": ModerationStatus.FEATURED, "withdrawn_at": now},
        }.items()
    }


def shown(html: str) -> list[str]:
    return [state for state in ("pending", "approved", "featured", "rejected", "private", "withdrawn")
            if f"words of {state}" in html]  # fmt: skip


# -- the wall page -------------------------------------------------------------------------------


def test_the_wall_is_a_child_of_the_home_page_only():
    assert pages.TestimonialWallPage in HomePage.allowed_subpage_models()
    assert pages.TestimonialWallPage.allowed_parent_page_models() == [HomePage]


def test_the_creator_can_add_a_wall_in_the_admin(admin_client):
    url = reverse("wagtailadmin_pages:add", args=("testimonials", "testimonialwallpage", home_page().pk))
    response = admin_client.get(url)
    assert response.status_code == 200
    assert b"Featured only" in response.content


def test_wall_shows_visible_testimonials_featured_first(client, program):
    every_state(program)
    html = client.get(wall().url).content.decode()
    assert shown(html) == ["approved", "featured"]
    assert html.index("words of featured") < html.index("words of approved")


def test_wall_for_one_program_and_featured_only(client, program):
    every_state(program)
    other = program_page(slug="other")
    testimonial(program=other, text="words of other", status=ModerationStatus.APPROVED)
    html = client.get(wall(program=other, slug="other-wall").url).content.decode()
    assert "words of other" in html and shown(html) == []
    html = client.get(wall(featured_only=True, slug="featured").url).content.decode()
    assert shown(html) == ["featured"] and "words of other" not in html


def test_wall_card_shows_attribution_program_photo_and_share_card_link(client, program):
    student = StudentFactory(first_name="Maria", last_name="Lopez")
    item = with_photo(
        testimonial(program=program, student=student, status=ModerationStatus.APPROVED, consent=Consent.FULL)
    )
    html = client.get(wall().url).content.decode()
    assert "Maria Lopez" in html and program.title in html
    assert f'src="/t/{item.pk}/photo.jpg"' in html
    assert f'href="/t/{item.pk}/card.png"' in html
    assert "/media/" not in html


def test_wall_shows_no_photo_without_full_consent(client, program):
    student = StudentFactory(first_name="Maria", last_name="Lopez")
    with_photo(testimonial(program=program, student=student, status=ModerationStatus.APPROVED))
    html = client.get(wall().url).content.decode()
    assert "Maria" in html and "Lopez" not in html
    assert "photo.jpg" not in html


def test_wall_escapes_the_students_text(client, program):
    testimonial(program=program, text=SCRIPT, status=ModerationStatus.APPROVED)
    html = client.get(wall().url).content.decode()
    assert SCRIPT not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html


# -- the home page block -------------------------------------------------------------------------


def home_with_block(**value):
    home = home_page()
    block = {"heading": "Voices", "program": None, "count": 3, "featured_only": False, **value}
    home.body = [("paragraph", "<p>Welcome, friends.</p>"), ("testimonials", block)]
    home.save_revision().publish()
    return HomePage.objects.get(pk=home.pk)


def test_block_on_the_home_page_shows_visible_testimonials_only(client, program):
    items = every_state(program)
    html = client.get(home_with_block().url).content.decode()
    assert "Welcome, friends." in html and "Voices" in html
    assert shown(html) == ["approved", "featured"]
    assert html.index("words of featured") < html.index("words of approved")

    # A withdrawal or a rejection disappears at once: nothing is copied into the page.
    models.Testimonial.objects.filter(pk=items["approved"].pk).update(withdrawn_at=timezone.now())
    models.Testimonial.objects.filter(pk=items["featured"].pk).update(status=ModerationStatus.REJECTED)
    html = client.get(home_page().url).content.decode()
    assert shown(html) == [] and "Voices" not in html


def test_block_limits_filters_and_escapes(client, program):
    other = program_page(slug="other")
    for n in range(4):
        testimonial(program=program, text=f"{SCRIPT} number {n}", status=ModerationStatus.APPROVED)
    testimonial(program=other, text="words of other", status=ModerationStatus.FEATURED)
    html = client.get(home_with_block(count=2, program=program).url).content.decode()
    assert html.count("number ") == 2 and "words of other" not in html
    assert SCRIPT not in html and "&lt;script&gt;" in html
    html = client.get(home_with_block(featured_only=True).url).content.decode()
    assert "words of other" in html and "number " not in html


# -- card and photo URLs -------------------------------------------------------------------------


def test_card_url_serves_the_png_with_short_public_caching_and_an_etag(client, program):
    item = testimonial(program=program, status=ModerationStatus.APPROVED)
    response = client.get(f"/t/{item.pk}/card.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["ETag"] == f'"{publishing.card_spec(item).fingerprint}"'
    assert Image.open(io.BytesIO(response.content)).size == (1200, 630)

    again = client.get(f"/t/{item.pk}/card.png", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again["ETag"] == response["ETag"]


def test_card_url_renders_once(client, program):
    item = testimonial(program=program, status=ModerationStatus.APPROVED)
    with mock.patch("testimonials.publishing.render_share_card", wraps=render_share_card) as render:
        first = client.get(f"/t/{item.pk}/card.png").content
        second = client.get(f"/t/{item.pk}/card.png").content
    assert render.call_count == 1 and first == second


def test_card_url_gives_a_new_card_and_etag_after_an_edit(client, program):
    item = testimonial(program=program, status=ModerationStatus.APPROVED)
    before = client.get(f"/t/{item.pk}/card.png")
    models.Testimonial.objects.filter(pk=item.pk).update(published_text="We changed our mornings.")
    after = client.get(f"/t/{item.pk}/card.png", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"] and after.content != before.content


@pytest.mark.parametrize("state", ["pending", "rejected", "private", "withdrawn"])
def test_card_and_photo_are_404_unless_visible(client, program, state):
    item = every_state(program)[state]
    models.Testimonial.objects.filter(pk=item.pk).update(consent=item.consent if state == "private" else Consent.FULL)
    item = with_photo(models.Testimonial.objects.get(pk=item.pk))
    assert client.get(f"/t/{item.pk}/card.png").status_code == 404
    assert client.get(f"/t/{item.pk}/photo.jpg").status_code == 404


def test_unknown_testimonial_is_404(client, db):
    assert client.get("/t/999999/card.png").status_code == 404
    assert client.get("/t/999999/photo.jpg").status_code == 404


def test_withdrawn_testimonials_card_is_404_at_once(client, program):
    item = testimonial(program=program, status=ModerationStatus.FEATURED)
    assert client.get(f"/t/{item.pk}/card.png").status_code == 200
    models.Testimonial.objects.filter(pk=item.pk).update(withdrawn_at=timezone.now())
    assert client.get(f"/t/{item.pk}/card.png").status_code == 404
    assert "words" not in client.get(wall().url).content.decode()


def test_photo_url_serves_the_photo_only_with_full_consent(client, program):
    item = testimonial(program=program, status=ModerationStatus.APPROVED, consent=Consent.FULL)
    assert client.get(f"/t/{item.pk}/photo.jpg").status_code == 404  # no photo uploaded
    with_photo(item)
    response = client.get(f"/t/{item.pk}/photo.jpg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response.content == item.photo.open("rb").read()
    models.Testimonial.objects.filter(pk=item.pk).update(published_consent=Consent.FIRST_NAME)
    assert client.get(f"/t/{item.pk}/photo.jpg").status_code == 404


def test_card_and_photo_urls_only_answer_get(client, program):
    item = testimonial(program=program, status=ModerationStatus.APPROVED)
    assert client.post(f"/t/{item.pk}/card.png").status_code == 405


# -- moderation in the admin ---------------------------------------------------------------------


def listed(response) -> set[int]:
    """The testimonials the admin list shows (by their edit links)."""
    return {int(pk) for pk in re.findall(r"/admin/testimonials/edit/(\d+)/", response.content.decode())}


def test_admin_list_shows_consent_status_and_filters(admin_client, program):
    items = every_state(program)
    url = reverse("testimonials_testimonial:index")
    html = admin_client.get(url).content.decode()
    assert "Private: for the team only, never published" in html and "My first name only" in html
    assert "Pending" in html and "Rejected" in html
    assert listed(admin_client.get(url)) == {item.pk for item in items.values()}
    assert listed(admin_client.get(url, {"status": "pending"})) == {items["pending"].pk}
    assert listed(admin_client.get(url, {"consent": "private"})) == {items["private"].pk}
    assert listed(admin_client.get(url, {"program": program.pk})) == {item.pk for item in items.values()}
    assert listed(admin_client.get(url, {"q": "words of withdrawn"})) == {items["withdrawn"].pk}


def test_admin_edit_shows_the_submission_read_only(admin_client, program):
    item = testimonial(program=program, text=SCRIPT, answers=[{"question": "What changed?", "answer": "Sleep."}])
    item.photo.save("face.jpg", ContentFile(a_photo()), save=True)
    html = admin_client.get(reverse(EDIT_URL, args=[item.pk])).content.decode()
    assert "&lt;script&gt;" in html and SCRIPT not in html
    assert "What changed?" in html and "Sleep." in html
    assert 'name="status"' in html and 'name="moderation_note"' in html
    for field in ("text", "consent", "photo", "answers"):
        assert f'name="{field}"' not in html
    photo = admin_client.get(reverse("testimonials_testimonial:photo", args=[item.pk]))
    assert photo.status_code == 200 and photo.content == item.photo.open("rb").read()
    card = admin_client.get(reverse("testimonials_testimonial:card", args=[item.pk]))
    assert card.status_code == 200 and card["Content-Type"] == "image/png"
    assert "private" in card["Cache-Control"] and "no-store" in card["Cache-Control"]


def test_admin_moderation_warns_of_an_open_support_case_until_it_is_resolved(admin_client, program):
    from testimonials import support

    enrollment = enroll(program=program, email="mia@example.org")
    item = testimonial(program=program, student=enrollment.student, text="my words")
    response = models.FeedbackResponse.objects.create(
        enrollment=enrollment, student=enrollment.student, program=program, score=3
    )
    case = support.case_open(response=response, plan=None, reasons=["score 3"], now=timezone.now())
    for url in (reverse(EDIT_URL, args=[item.pk]), reverse(INSPECT_URL, args=[item.pk])):
        html = admin_client.get(url).content.decode()
        assert "This student has an open support case" in html
        assert reverse("testimonials_supportcase:edit", args=[case.pk]) in html
    models.SupportCase.objects.filter(pk=case.pk).update(status=models.CaseStatus.MADE_RIGHT)
    assert "open support case" not in admin_client.get(reverse(EDIT_URL, args=[item.pk])).content.decode()


def test_admin_moderation_goes_through_the_service_and_cannot_change_the_text(admin_client, program):
    enroll(program=program, email="mia@example.org")
    item = testimonial(program=program, student=Student.objects.get(email="mia@example.org"), text="my words")
    response = admin_client.post(
        reverse(EDIT_URL, args=[item.pk]),
        {
            "status": "approved",
            "seen_updated_at": item.updated_at.isoformat(),
            "moderation_note": "thanks!",
            "text": "rewritten by a moderator",
            "consent": Consent.FULL,
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.moderation_note, item.text, item.consent) == (
        "approved",
        "thanks!",
        "my words",
        Consent.FIRST_NAME,
    )
    assert item.moderated_by.username == "alice"
    event = JourneyEvent.objects.get(kind="testimonial_moderated")
    assert (event.actor, event.data["to"]) == ("admin:alice", "approved")


def test_admin_cannot_add_or_delete_testimonials(admin_client, program):
    item = testimonial(program=program)
    add = admin_client.get(reverse("testimonials_testimonial:add"))
    assert add.status_code in (302, 403)
    delete = admin_client.post(reverse("testimonials_testimonial:delete", args=[item.pk]))
    assert delete.status_code in (302, 403)
    assert models.Testimonial.objects.filter(pk=item.pk).exists()


def test_admin_cannot_add_or_delete_support_cases(admin_client, program):
    from testimonials import support

    enrollment = enroll(program=program, email="mia@example.org")
    response = models.FeedbackResponse.objects.create(
        enrollment=enrollment, student=enrollment.student, program=program, score=2
    )
    case = support.case_open(response=response, plan=None, reasons=["score 2"], now=timezone.now())
    listing = admin_client.get(reverse("testimonials_supportcase:index")).content.decode()
    assert "Add support case" not in listing
    add = admin_client.post(reverse("testimonials_supportcase:add"), {"status": "open"})
    assert add.status_code in (302, 403)
    delete = admin_client.post(reverse("testimonials_supportcase:delete", args=[case.pk]))
    assert delete.status_code in (302, 403)
    assert list(models.SupportCase.objects.values_list("pk", flat=True)) == [case.pk]


def test_admin_inspect_shows_the_submission_and_the_card(admin_client, program):
    item = testimonial(program=program, text="words to inspect", status=ModerationStatus.APPROVED)
    html = admin_client.get(reverse("testimonials_testimonial:inspect", args=[item.pk])).content
    html = html.decode()
    assert "words to inspect" in html and "My first name only" in html
    assert reverse("testimonials_testimonial:card", args=[item.pk]) in html
    assert f"/t/{item.pk}/card.png" in html


def test_admin_photo_and_card_need_admin_access(client, program):
    item = testimonial(program=program)
    for name in ("photo", "card"):
        response = client.get(reverse(f"testimonials_testimonial:{name}", args=[item.pk]))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_admin_shows_an_excerpt_cut_after_a_whole_word(admin_client, program):
    text = "Mornings used to be a battle. Now we leave on time and nobody shouts at all."
    item = testimonial(program=program, text=text)
    assert item.excerpt() == "Mornings used to be a battle. Now we leave on time and…"
    assert str(item).endswith(": Mornings used to be a battle. Now we leave on time and…")
    html = admin_client.get(reverse("testimonials_testimonial:index")).content.decode()
    assert "Now we leave on time and…" in html


def test_admin_approval_of_a_version_the_moderator_did_not_see_is_refused(admin_client, program):
    """The student edits while the moderator has the form open: approving must not publish the new
    version unseen. The form says so and shows the new version; nothing is published."""
    from testimonials import submissions

    enrollment = enroll(program=program, email="mia@example.org", first_name="Mia", last_name="Moss")
    submissions.testimonial_save(
        student_id=enrollment.student_id, program_id=program.pk, text="The words I first wrote.", consent="anonymous"
    )
    item = models.Testimonial.objects.get()
    seen = item.updated_at.isoformat()
    form = admin_client.get(reverse(EDIT_URL, args=[item.pk])).content.decode()
    assert f'name="seen_updated_at" value="{seen}"' in form
    submissions.testimonial_save(
        student_id=enrollment.student_id,
        program_id=program.pk,
        text="Words the moderator never saw.",
        consent=Consent.FULL,
        now=item.updated_at + timedelta(seconds=30),
    )
    for posted in ({"seen_updated_at": seen}, {}, {"seen_updated_at": "junk"}, {"seen_updated_at": "2020-01-01"}):
        response = admin_client.post(reverse(EDIT_URL, args=[item.pk]), {"status": "approved", **posted})
        assert response.status_code == 200
        assert "review" in response.content.decode() and "Words the moderator never saw." in response.content.decode()
        item.refresh_from_db()
        assert item.status == ModerationStatus.PENDING and not models.Testimonial.objects.visible().exists()
    fresh = {"status": "approved", "seen_updated_at": item.updated_at.isoformat()}
    assert admin_client.post(reverse(EDIT_URL, args=[item.pk]), fresh).status_code == 302
    assert models.Testimonial.objects.visible().get().published_text == "Words the moderator never saw."


# -- the support queue in the admin --------------------------------------------------------------


def a_case(program, *, email: str = "mia@example.org", score: int = 2) -> models.SupportCase:
    from testimonials import support

    enrollment = enroll(program=program, email=email)
    response = models.FeedbackResponse.objects.create(
        enrollment=enrollment, student=enrollment.student, program=program, score=score
    )
    return support.case_open(response=response, plan=None, reasons=[f"score {score}"], now=timezone.now())


def cases_listed(response) -> set[int]:
    return {int(pk) for pk in re.findall(r"/admin/support-cases/edit/(\d+)/", response.content.decode())}


def test_the_support_queue_filters_by_status_and_shows_a_cases_story(admin_client, program):
    waiting = a_case(program)
    done = a_case(program, email="bo@example.org", score=1)
    models.SupportCase.objects.filter(pk=done.pk).update(status=models.CaseStatus.MADE_RIGHT)
    url = reverse("testimonials_supportcase:index")
    assert url == "/admin/support-cases/"
    assert cases_listed(admin_client.get(url)) == {waiting.pk, done.pk}
    assert cases_listed(admin_client.get(url, {"status": "open"})) == {waiting.pk}
    assert cases_listed(admin_client.get(url, {"q": "score 1"})) == {done.pk}
    edit = admin_client.get(reverse("testimonials_supportcase:edit", args=[waiting.pk])).content.decode()
    assert "What happened" in edit and "score 2" in edit  # the case's story above the form
    assert reverse("campaigns_student:inspect", args=[waiting.student_id]) in edit
    inspect = admin_client.get(reverse("testimonials_supportcase:inspect", args=[waiting.pk]))
    assert inspect.status_code == 200 and "score 2" in inspect.content.decode()


def test_only_who_may_change_support_cases_resolves_one(client, django_user_model, program):
    from django.contrib.auth.models import Group, Permission

    case = a_case(program)
    user = django_user_model.objects.create_user(username="sam", password="pw-sam-12345")
    group = Group.objects.create(name="Support readers")
    group.permissions.add(*Permission.objects.filter(codename__in=["access_admin", "view_supportcase"]))
    user.groups.add(group)
    client.force_login(user)
    edit = reverse("testimonials_supportcase:edit", args=[case.pk])
    data = {"assigned_to": "", "status": "made_right", "resolution_note": "Called her, extended her access."}
    listing = client.get(reverse("testimonials_supportcase:index"))
    assert cases_listed(listing) == set()  # a viewer's list links each case to its inspect page, not the form
    assert f"/admin/support-cases/inspect/{case.pk}/" in listing.content.decode()
    assert client.get(reverse("testimonials_supportcase:inspect", args=[case.pk])).status_code == 200
    refused = client.post(edit, data)
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    case.refresh_from_db()
    assert case.status == models.CaseStatus.OPEN
    group.permissions.add(Permission.objects.get(codename="change_supportcase"))
    client.force_login(django_user_model.objects.get(pk=user.pk))
    resolved = client.post(edit, data)
    assert resolved.status_code == 302 and resolved["Location"] == reverse("testimonials_supportcase:index")
    case.refresh_from_db()
    assert case.status == models.CaseStatus.MADE_RIGHT and case.resolved_at is not None
    assert JourneyEvent.objects.filter(kind="support_case_resolved", actor="admin:sam").exists()
