"""Staff open Referrals → Review, read why a conversion is held, and approve it with a note."""

from django.utils import timezone

from referrals.conversions import services
from referrals.conversions.models import Conversion, Status
from referrals.services import link_for
from tests.factories import enroll, referral_plan


def test_staff_read_the_reasons_and_approve_with_a_note(desktop, live_server, admin_user, program):
    referral_plan(program=program, review_threshold=1)
    enrollment = enroll(program=program, email="maria@example.org", first_name="Maria")
    link = link_for(student_id=enrollment.student_id, program_id=program.pk)
    now = timezone.now()
    for n in range(2):
        services.conversion_record(
            program=program, email=f"f{n}@example.org", source="api", order_id=str(n), codes={"ref": link.code}, now=now
        )
    held = Conversion.objects.get(status=Status.REVIEW)
    page = desktop
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-alice-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/conversions/review/")
    row = page.locator(f"#conversion-{held.pk}")
    assert "held for review" in row.inner_text()
    row.locator("button[value=approve]").click()  # the note is required: the browser keeps the form
    assert Conversion.objects.get(pk=held.pk).status == Status.REVIEW
    row.locator("textarea").fill("Checked with the graduate: two colleagues.")
    row.locator("button[value=approve]").click()
    page.wait_for_selector("text=f1@example.org: held for the refund window")
    held.refresh_from_db()
    assert held.status == Status.HELD and held.decided_by == "alice"
