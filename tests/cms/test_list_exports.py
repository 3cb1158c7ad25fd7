"""Every admin list exports to CSV and XLSX (Wagtail's list export) with the filters applied, and a
cell a spreadsheet would run as a formula (=, +, -, @) is neutralised with a leading quote."""

import csv
import io

import pytest
from openpyxl import load_workbook

from campaigns.models import Student
from mailers.exports import neutralise
from tests.factories import StudentFactory, enroll

pytestmark = pytest.mark.django_db

LISTS = [
    "students",
    "enrollments",
    "journey",
    "mail/messages",
    "mail/contacts",
    "referral-links",
    "friends",
    "webhook-deliveries",
    "conversions",
    "testimonials",
    "support-cases",
    "feedback",
    "rewards",
    "integrations/events",
    "integrations/purchases",
]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.streaming  # row by row, whatever the list's size
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_exports_both_formats(admin_client, program, path):
    enroll(program=program, email="ann@example.org", first_name="Ann")
    for fmt in ("csv", "xlsx"):
        response = admin_client.get(f"/admin/{path}/?export={fmt}")
        assert response.status_code == 200, (path, fmt)
        assert "attachment" in response["Content-Disposition"]


def test_students_export_keeps_the_filter_and_neutralises_formulas(admin_client, program):
    StudentFactory(email="plain@example.org", first_name="Plain", marketing_consent=False)
    evil = StudentFactory(email="evil@example.org", first_name="Eve", marketing_consent=True)
    # Names are validated in forms; a row written another way must still export safely.
    Student.objects.filter(pk=evil.pk).update(first_name='=HYPERLINK("http://x")', last_name="@SUM(A1)")
    rows = csv_rows(admin_client.get("/admin/students/?export=csv&marketing_consent=true"))
    assert rows[0][:3] == ["Email", "First name", "Last name"]
    assert [row[0] for row in rows[1:]] == ["evil@example.org"]  # the filter applied
    assert rows[1][1:3] == ['\'=HYPERLINK("http://x")', "'@SUM(A1)"]
    rows = xlsx_rows(admin_client.get("/admin/students/?export=xlsx&marketing_consent=true"))
    assert [row[0] for row in rows[1:]] == ["evil@example.org"]
    assert rows[1][1:3] == ['\'=HYPERLINK("http://x")', "'@SUM(A1)"]


def test_enrollments_export_with_a_stage_filter(admin_client, program):
    enroll(program=program, email="a@example.org")
    withdrawn = enroll(program=program, email="b@example.org")
    from campaigns import services

    services.enrollment_withdraw(enrollment=withdrawn, actor="t", reason="-1 moved away")
    rows = csv_rows(admin_client.get("/admin/enrollments/?export=csv&stage=withdrawn"))
    assert len(rows) == 2 and "b@example.org" in rows[1][0]
    journey = csv_rows(admin_client.get("/admin/journey/?export=csv&kind=stage_changed"))
    assert any(row[6] == "'-1 moved away" for row in journey[1:])


def test_numbers_and_dates_are_not_touched():
    assert neutralise(-3) == -3 and neutralise("+33 1 23") == "'+33 1 23" and neutralise("ok") == "ok"
    assert neutralise("\t=1") == "'\t=1"


def test_feedback_list_shows_and_exports_the_answers_with_the_filter_and_no_simulated(admin_client, program):
    from django.utils import timezone

    from testimonials.models import FeedbackResponse, Route

    def answer(email, score, route, words, **student):
        enrollment = enroll(program=program, email=email, first_name="Ann")
        if student:
            Student.objects.filter(pk=enrollment.student_id).update(**student)
        return FeedbackResponse.objects.create(
            enrollment=enrollment,
            student_id=enrollment.student_id,
            program=program,
            score=score,
            scored_at=timezone.now(),
            route=route,
            answers=[{"question": "What changed?", "answer": words}],
        )

    ann = answer("ann@example.org", 3, Route.UNHAPPY, "=1+1 nothing worked")
    answer("bo@example.org", 10, Route.HAPPY, "everything")
    answer("sim@example.org", 2, Route.UNHAPPY, "simulated", simulated=True)
    page = admin_client.get("/admin/feedback/")
    assert page.status_code == 200
    assert {f.student.email for f in page.context["object_list"]} == {"ann@example.org", "bo@example.org"}
    rows = csv_rows(admin_client.get(f"/admin/feedback/?export=csv&route={Route.UNHAPPY}"))
    assert len(rows) == 2  # the header and Ann: the filter applies, the simulated answer is never listed
    assert rows[1][rows[0].index("Answers")] == "What changed?: =1+1 nothing worked"
    assert rows[1][rows[0].index("Score")] == "3"
    inspect = admin_client.get(f"/admin/feedback/inspect/{ann.pk}/")
    assert inspect.status_code == 200 and "nothing worked" in inspect.content.decode()
    # Read-only: answers come from students, nobody adds or edits one by hand.
    assert admin_client.get("/admin/feedback/new/").status_code in (302, 403)
