"""The migration that gives testimonials a published version keeps a live wall as it was."""

import pytest
from django.utils import timezone

from testimonials.models import Consent, ModerationStatus, Testimonial
from tests.factories import program_page, testimonial
from tests.migrating import latest_afterwards, migrate  # noqa: F401 - the fixture is autouse

BEFORE = [("testimonials", "0004_feedback_language")]
AFTER = [("testimonials", "0005_testimonial_published_version")]


@pytest.mark.django_db(transaction=True)
def test_what_showed_before_the_migration_shows_after_it_and_nothing_else():
    program = program_page(slug="focus")
    moderated = timezone.now() - timezone.timedelta(days=3)
    rows = {
        "approved": testimonial(program=program, text="approved words", status=ModerationStatus.APPROVED),
        "featured": testimonial(
            program=program, text="featured words", status=ModerationStatus.FEATURED, consent=Consent.FULL
        ),
        "pending": testimonial(program=program, text="pending words"),
        "rejected": testimonial(program=program, text="rejected words", status=ModerationStatus.REJECTED),
        "withdrawn": testimonial(
            program=program, text="withdrawn words", status=ModerationStatus.APPROVED, withdrawn_at=timezone.now()
        ),
    }
    Testimonial.objects.filter(pk=rows["featured"].pk).update(photo="testimonials/photos/face.jpg")
    Testimonial.objects.filter(pk=rows["approved"].pk).update(moderated_at=moderated)
    migrate(BEFORE)  # the columns go: the rows are as the old code left them
    migrate(AFTER)
    published = {t.text: t for t in Testimonial.objects.visible()}
    assert set(published) == {"approved words", "featured words"}
    featured = published["featured words"]
    assert (featured.published_text, featured.published_consent, featured.published_status) == (
        "featured words",
        Consent.FULL,
        ModerationStatus.FEATURED,
    )
    assert featured.published_photo.name == "testimonials/photos/face.jpg"
    assert published["approved words"].published_at == moderated
    assert published["approved words"].published_consent == Consent.FIRST_NAME
    assert Testimonial.objects.filter(published_at__isnull=True).count() == 3
