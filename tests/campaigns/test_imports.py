"""CSV import of students: reading any file a spreadsheet writes, per-row reasons, idempotence,
the command line, and the admin's upload → preview → run → summary → rejected download."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from wagtail.models import GroupPagePermission

from campaigns import import_files, imports
from campaigns.import_files import ImportFileError
from campaigns.models import (
    ActionStatus,
    Enrollment,
    ImportStatus,
    JourneyEvent,
    MilestoneReached,
    Stage,
    Student,
    StudentImport,
)
from tests.factories import StudentFactory, enroll, program_page

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
ROWS = [
    ["Email", "First name", "Last name", "Time zone", "Marketing consent"],
    ["ann@example.org", "Ann", "Lée", "Europe/Paris", "yes"],
    ["bob@example.org", "Bob", "Müller", "", "no"],
    ["ce@example.org", "Cé", "Ñúñez", "America/New_York", ""],
]


def csv_bytes(rows, *, delimiter=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def run(program, data: bytes, *, cohort="", actor="test", mapping=None, **kwargs) -> StudentImport:
    student_import = imports.student_import_create(
        data=data, file_name="students.csv", program=program, cohort=cohort, actor=actor
    )
    imports.student_import_start(
        student_import=student_import, mapping=mapping or student_import.mapping, in_task_runner=False
    )
    return imports.student_import_run(student_import_id=student_import.pk, now=NOW, **kwargs)


# --- Encodings and delimiters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("utf-16-le", None),  # no BOM: charset-normalizer tells
        ("cp1252", None),
        ("latin-1", None),
        ("cp1250", None),  # Central European: "ł" stays "ł"
    ],
)
def test_each_encoding_is_detected_and_names_come_through_intact(program, encoding, detected):
    extra = {"cp1252": "O’Brien Ærø", "cp1250": "Wałęsa Świątek"}
    rows = ROWS if encoding != "cp1250" else [r[:2] + [r[2].replace("Ñúñez", "Dvořák")] + r[3:] for r in ROWS]
    if encoding in extra:
        rows = [*rows, ["dan@example.org", "Dan", extra[encoding], "", ""]]
    result = run(program, csv_bytes(rows, encoding=encoding))
    assert result.status == ImportStatus.DONE, result.error
    if detected:
        assert result.encoding == detected
    assert result.created_count == len(rows) - 1
    assert Student.objects.get(email="ann@example.org").last_name == "Lée"
    assert Student.objects.get(email="ce@example.org").last_name == rows[3][2]
    if encoding in extra:
        assert result.encoding == encoding
        assert Student.objects.get(email="dan@example.org").last_name == extra[encoding]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_each_delimiter_is_detected(program, delimiter):
    result = run(program, csv_bytes(ROWS, delimiter=delimiter))
    assert result.delimiter == delimiter
    assert result.created_count == 3
    assert Student.objects.get(email="bob@example.org").first_name == "Bob"


def test_the_delimiter_falls_back_to_the_headers_most_frequent_one():
    # One column only: the sniffer gives up; the header line decides (no candidate: comma).
    assert import_files.sniff_delimiter("email\nann@example.org\n") == ","
    assert import_files.sniff_delimiter('email;name\n"a;b\n') == ";"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"PK\x03\x04rest-of-a-zip", "Excel"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image"),
        (bytes(range(256)) * 40, "text"),
    ],
)
def test_a_file_that_is_not_a_csv_is_refused_with_one_sentence(program, data, message):
    with pytest.raises(ImportFileError, match=message):
        imports.student_import_create(data=data, file_name="x.csv", program=program, actor="test")
    assert not StudentImport.objects.exists()


# --- Mapping guess ------------------------------------------------------------------------------


def test_columns_are_guessed_from_the_header_names():
    header = ["E-mail address", "Given name", "Surname", "TZ", "Accepts marketing", "Group", "Start date", "Milestones"]
    assert import_files.guess_mapping(header) == {
        "email": 0,
        "first_name": 1,
        "last_name": 2,
        "time_zone": 3,
        "marketing_consent": 4,
        "cohort": 5,
        "starts_at": 6,
        "milestones": 7,
    }
    assert import_files.guess_mapping(["Notes", "mail"]) == {"email": 1}
    assert import_files.guess_mapping(["Notes"]) == {}


# --- Bad rows: each reason ----------------------------------------------------------------------


def test_each_bad_row_is_skipped_with_its_reason_and_the_good_ones_imported(program):
    rows = [
        ["email", "first name", "last name", "timezone", "consent", "cohort", "start date", "milestones"],
        ["ok@example.org", "Ok", "", "", "", "", "", ""],
        ["not-an-address", "A", "", "", "", "", "", ""],
        ["", "B", "", "", "", "", "", ""],
        ["ok@EXAMPLE.org", "Twice", "", "", "", "", "", ""],
        ["tz@example.org", "T", "", "Mars/Olympus", "", "", "", ""],
        ["date@example.org", "D", "", "", "", "", "31/02/2026", ""],
        ['=HYPERLINK("http://evil")', "F", "", "", "", "", "", ""],
        ["formula@example.org", "@SUM(A1)", "", "", "", "", "", ""],
        ["name@example.org", "Visit evil.com", "", "", "", "", "", ""],
        ["consent@example.org", "C", "", "", "maybe", "", "", ""],
        ["ms@example.org", "M", "", "", "", "", "", "first-win;no-such-step"],
        ["cohort@example.org", "C", "", "", "", "x" * 61, "", ""],
    ]
    result = run(program, csv_bytes(rows))
    assert result.status == ImportStatus.DONE
    assert (result.created_count, result.updated_count, result.skipped_count, result.rejected_count) == (1, 0, 11, 11)
    reasons = dict(result.rows.values_list("line", "reason"))
    assert "'not-an-address' is not a valid email address" in reasons[3]
    assert "No email address" in reasons[4]
    assert "The same address as row 2" in reasons[5]
    assert "'Mars/Olympus' is not a known time zone" in reasons[6]
    assert "'31/02/2026' is not a date" in reasons[7]
    assert "looks like a spreadsheet formula" in reasons[8]
    assert reasons[9].startswith("First name:") and "formula" in reasons[9]
    assert "Just your name" in reasons[10]
    assert "'maybe' is neither yes nor no" in reasons[11]
    assert "no-such-step" in reasons[12] and "first-win" in reasons[12]
    assert "at most 60 characters" in reasons[13]
    assert list(Student.objects.values_list("email", flat=True)) == ["ok@example.org"]


def test_a_file_without_an_email_column_cannot_start(program):
    student_import = imports.student_import_create(
        data=csv_bytes([["name"], ["Ann"]]), file_name="x.csv", program=program, actor="test"
    )
    with pytest.raises(ImportFileError, match="email"):
        imports.student_import_start(student_import=student_import, mapping={"first_name": 0})
    assert StudentImport.objects.get().status == ImportStatus.UPLOADED


# --- What an import writes, and idempotence -----------------------------------------------------


def test_columns_become_the_enrollment_and_milestones_go_through_the_engine(program):
    rows = [
        ["email", "first name", "timezone", "cohort", "start date", "milestones"],
        ["ann@example.org", "Ann", "Europe/Paris", "spring", "2026-04-01", "First Win"],
        ["bob@example.org", "Bob", "", "", "", ""],
    ]
    result = run(program, csv_bytes(rows), cohort="default-cohort", actor="admin:alice")
    ann = Enrollment.objects.get(student__email="ann@example.org")
    assert ann.cohort == "spring"
    assert ann.starts_at == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)  # midnight in Paris
    assert ann.stage == Stage.ACTIVE  # a milestone reported before the start, as the events API does
    assert MilestoneReached.objects.get(enrollment=ann).source == result.source
    fallback = ann.actions.get(
        key__startswith="milestone:", payload__milestone_id=ann.milestones_reached.get().milestone_id
    )
    assert fallback.status == ActionStatus.CANCELLED
    bob = Enrollment.objects.get(student__email="bob@example.org")
    assert (bob.cohort, bob.starts_at) == ("default-cohort", NOW)
    enrolled = JourneyEvent.objects.filter(kind="enrolled")
    assert enrolled.count() == 2
    assert {(e.actor, e.data["source"]) for e in enrolled} == {("admin:alice", f"import:{result.pk}")}


def test_importing_the_same_file_twice_changes_nothing_the_second_time(program):
    rows = [*ROWS, ["dee@example.org", "Dee", "", "", "yes"]]
    rows[1] = [*rows[1][:4], "yes"]
    data = csv_bytes([[*r, "milestones"] if i == 0 else [*r, "first-win"] for i, r in enumerate(rows)])
    first = run(program, data)
    assert (first.created_count, first.updated_count, first.skipped_count) == (4, 0, 0)
    students = list(Student.objects.order_by("pk").values())
    events, actions = JourneyEvent.objects.count(), set(Enrollment.objects.values_list("pk", "stage"))
    second = run(program, data)
    assert (second.created_count, second.updated_count, second.skipped_count, second.rejected_count) == (0, 0, 4, 0)
    assert set(second.rows.values_list("reason", flat=True)) == {imports.ALREADY_ENROLLED}
    assert list(Student.objects.order_by("pk").values()) == students
    assert JourneyEvent.objects.count() == events
    assert set(Enrollment.objects.values_list("pk", "stage")) == actions


def test_an_existing_student_keeps_their_details_but_a_no_withdraws_consent(program):
    withdrawn = StudentFactory(email="gone@example.org", first_name="Gone", marketing_consent=False)
    keen = StudentFactory(email="keen@example.org", first_name="Keen", last_name="", marketing_consent=True)
    enroll(program=program, email=withdrawn.email, now=NOW)
    rows = [
        ["email", "first name", "last name", "time zone", "consent"],
        ["gone@example.org", "Other", "Name", "Asia/Tokyo", "yes"],  # consent is never turned back on
        ["keen@example.org", "Other", "Smith", "Asia/Tokyo", "no"],  # last name filled in; consent withdrawn
    ]
    result = run(program, csv_bytes(rows), actor="admin:alice")
    withdrawn.refresh_from_db()
    keen.refresh_from_db()
    assert (withdrawn.first_name, withdrawn.marketing_consent, withdrawn.time_zone) == ("Gone", False, "Europe/Paris")
    assert (keen.first_name, keen.last_name, keen.marketing_consent) == ("Keen", "Smith", False)
    assert keen.time_zone == "Europe/Paris"
    assert (result.created_count, result.updated_count, result.skipped_count) == (1, 0, 1)
    assert "never turns marketing consent on" in result.rows.get().reason
    change = JourneyEvent.objects.get(kind="details_updated")
    assert change.student == keen and change.actor == "admin:alice"
    assert change.data == {"source": result.source, "changes": ["last name filled in", "marketing consent withdrawn"]}


def test_an_existing_enrollment_reaching_a_milestone_counts_as_updated(program):
    enroll(program=program, email="ann@example.org", now=NOW)
    result = run(program, csv_bytes([["email", "milestones"], ["ann@example.org", "first-win"]]))
    assert (result.created_count, result.updated_count, result.skipped_count) == (0, 1, 0)
    assert MilestoneReached.objects.count() == 1


def test_a_resumed_run_continues_after_the_last_committed_chunk(program):
    rows = [["email"], *([f"p{i}@example.org"] for i in range(7)), ["p0@example.org"]]
    student_import = imports.student_import_create(
        data=csv_bytes(rows), file_name="x.csv", program=program, actor="test"
    )
    imports.student_import_start(student_import=student_import, mapping={"email": 0}, in_task_runner=False)
    seen = []

    def crash_after_two_chunks(done, total):
        seen.append(done)
        if len(seen) == 2:
            raise KeyboardInterrupt  # a worker killed between chunks (not caught as an import failure)

    with pytest.raises(KeyboardInterrupt):
        imports.student_import_run(student_import_id=student_import.pk, chunk=3, progress=crash_after_two_chunks)
    assert StudentImport.objects.get().processed_rows == 6
    result = imports.student_import_run(student_import_id=student_import.pk, chunk=3)
    assert (result.status, result.created_count, result.rejected_count) == (ImportStatus.DONE, 7, 1)
    # The duplicate in the last chunk still knows row 2 claimed the address before the crash.
    assert "The same address as row 2" in result.rows.get().reason
    assert imports.student_import_run(student_import_id=student_import.pk).created_count == 7  # done: a no-op


def test_an_import_whose_task_was_lost_is_run_by_the_periodic_pass(program, django_capture_on_commit_callbacks):
    """The creator pressed Import while the queue was away: the import stays queued, nothing is lost, and
    the periodic pass runs it."""
    from unittest import mock

    from kombu.exceptions import OperationalError

    from campaigns import tasks
    from mailers import runner

    student_import = imports.student_import_create(
        data=csv_bytes([["email"], ["lost@example.org"]]), file_name="x.csv", program=program, actor="test"
    )
    with (
        mock.patch.object(runner, "_outage", runner._Outage()),
        mock.patch.object(runner, "_publish", side_effect=OperationalError("queue away")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        imports.student_import_start(student_import=student_import, mapping={"email": 0})
    assert StudentImport.objects.get().status == ImportStatus.QUEUED
    assert tasks.resume_imports() == 1
    done = StudentImport.objects.get()
    assert (done.status, done.created_count) == (ImportStatus.DONE, 1)
    assert tasks.resume_imports() == 0  # done: nothing to run again


def test_a_running_import_is_run_again_only_once_it_counts_as_stalled(program, settings):
    rows = [["email"], *([f"s{i}@example.org"] for i in range(5))]
    student_import = imports.student_import_create(data=csv_bytes(rows), file_name="x.csv", program=program, actor="t")
    imports.student_import_start(student_import=student_import, mapping={"email": 0}, in_task_runner=False)
    StudentImport.objects.update(status=ImportStatus.RUNNING, started_at=NOW, processed_rows=0)
    young = NOW + timedelta(seconds=settings.IMPORT_STALLED_SECONDS - 1)
    assert imports.student_imports_resume(now=young) == 0
    stalled = NOW + timedelta(seconds=settings.IMPORT_STALLED_SECONDS)
    assert imports.student_imports_resume(now=stalled) == 1
    assert StudentImport.objects.get().created_count == 5
    assert Student.objects.filter(email__startswith="s").count() == 5


def test_two_runs_of_one_import_at_once_import_each_row_once(program):
    """The pass may run an import whose first task is still going: each chunk is taken at its offset once."""
    rows = [["email"], *([f"t{i}@example.org"] for i in range(6))]
    student_import = imports.student_import_create(data=csv_bytes(rows), file_name="x.csv", program=program, actor="t")
    imports.student_import_start(student_import=student_import, mapping={"email": 0}, in_task_runner=False)

    def second_run_meanwhile(done, total):
        if done == 2:  # between the first run's chunks, another run takes the rest
            imports.student_import_run(student_import_id=student_import.pk, chunk=2)

    imports.student_import_run(student_import_id=student_import.pk, chunk=2, progress=second_run_meanwhile)
    result = StudentImport.objects.get()
    assert (result.status, result.created_count, result.processed_rows) == (ImportStatus.DONE, 6, 6)
    assert Enrollment.objects.filter(program=program).count() == 6


def test_the_rejected_rows_download_neutralises_formulas(program):
    rows = [["email", "first name"], ["=cmd|'/c calc'!A1", "Eve"], ["bad@", "+SUM(1)"], ["ok@example.org", "Ok"]]
    result = run(program, csv_bytes(rows))
    text = "".join(imports.rejected_rows_csv(student_import=result))
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[0] == ["email", "first name", "import row", "reason"]
    assert [r[:3] for r in parsed[1:]] == [["'=cmd|'/c calc'!A1", "Eve", "2"], ["bad@", "'+SUM(1)", "3"]]
    for row in parsed[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


# --- The command line ---------------------------------------------------------------------------


def test_the_command_imports_and_prints_the_summary(program, tmp_path, capsys):
    path = tmp_path / "students.csv"
    path.write_bytes(csv_bytes([*ROWS, ["broken", "X", "", "", ""]], delimiter=";", encoding="utf-16"))
    rejected = tmp_path / "rejected.csv"
    call_command("import_students", str(path), "--program", "focus", "--cohort", "spring", "--rejected", str(rejected))
    out, err = capsys.readouterr()
    assert "4 rows, utf-16, semicolon-separated" in err
    assert "importing: 4/4 rows (100%)" in err
    assert "created: 3" in out and "updated: 0" in out and "skipped: 1 (rejected: 1)" in out
    assert "row 5: Email: 'broken' is not a valid email address." in out
    assert "broken" in rejected.read_text(encoding="utf-8-sig")
    assert set(Enrollment.objects.values_list("cohort", flat=True)) == {"spring"}
    assert JourneyEvent.objects.filter(kind="enrolled", actor__startswith="cli:").count() == 3

    call_command("import_students", str(path), "--program", "focus")
    out, _ = capsys.readouterr()
    assert "created: 0" in out and "skipped: 4 (rejected: 1)" in out
    assert "Already enrolled in this program; nothing to change." in out


@pytest.mark.parametrize(
    ("make_file", "program_slug", "message"),
    [
        (None, "focus", "no such file"),
        (lambda p: p.write_bytes(csv_bytes(ROWS)), "nope", "no program has the slug 'nope'"),
        (lambda p: p.write_bytes(csv_bytes([["name", "phone"], ["Ann", "1"]])), "focus", "no email column"),
        (lambda p: p.write_bytes(b"PK\x03\x04zip"), "focus", "Excel"),
    ],
)
def test_the_command_fails_with_one_line_on_fatal_errors(program, tmp_path, make_file, program_slug, message):
    path = tmp_path / "in.csv"
    if make_file:
        make_file(path)
    with pytest.raises(CommandError, match=message):
        call_command("import_students", str(path), "--program", program_slug)
    assert not Student.objects.exists()


def test_the_command_exits_non_zero_as_a_process(program, tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT, subprocess_env

    proc = subprocess.run(
        [sys.executable, "manage.py", "import_students", str(tmp_path / "missing.csv"), "--program", "focus"],
        cwd=ROOT,
        env=subprocess_env(DJANGO_SETTINGS_MODULE="cms.settings.dev", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "missing.csv: no such file." in proc.stderr


# --- The admin ----------------------------------------------------------------------------------


def refused(response) -> bool:
    """Wagtail's admin answers a PermissionDenied with a redirect home and a message (or a 403)."""
    return response.status_code == 403 or (response.status_code == 302 and response.url == reverse("wagtailadmin_home"))


def upload(client, program, data: bytes, name="students.csv", cohort=""):
    return client.post(
        reverse("campaigns_import"),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "program": program.pk, "cohort": cohort},
    )


def test_admin_upload_preview_run_summary_and_rejected_download(
    admin_client, program, django_capture_on_commit_callbacks
):
    rows = [
        ["Email", "First name", "Notes"],
        ["ann@example.org", "Ann", "vip"],
        ['=HYPERLINK("http://evil")', "Eve", ""],
        ["bob@example.org", "Visit evil.com", ""],
        ["cy@example.org", "Cy", ""],
    ]
    response = upload(admin_client, program, csv_bytes(rows, delimiter=";"), cohort="spring")
    student_import = StudentImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("campaigns_import_map", args=[student_import.pk])
    assert student_import.mapping == {"email": 0, "first_name": 1}

    page = admin_client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "4 rows" in html and "semicolon-separated" in html
    assert html.count('class="has-error"') == 2  # the formula email and the name that is a domain
    assert "looks like a spreadsheet formula" in html and "Just your name" in html
    assert not Student.objects.exists()  # previewing imports nothing

    # Choosing "Notes" as the first name changes the preview, not the file.
    page = admin_client.post(response.url, {"email": "0", "first_name": "2", "action": "preview"})
    assert page.status_code == 200
    assert StudentImport.objects.get().mapping == {"email": 0, "first_name": 2}
    assert 'class="has-error"' in page.content.decode()  # still the formula address

    # Email is required to run.
    page = admin_client.post(response.url, {"email": "", "first_name": "1", "action": "run"})
    assert page.status_code == 400 and "Choose the column that holds the email address" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        started = admin_client.post(response.url, {"email": "0", "first_name": "1", "action": "run"})
    assert len(callbacks) == 1  # queued after commit; django-q2 runs it synchronously in tests
    assert started.url == reverse("campaigns_import_status", args=[student_import.pk])

    status = admin_client.get(reverse("campaigns_import_status_json", args=[student_import.pk])).json()
    assert status | {"id": 0} == {
        "id": 0,
        "status": "done",
        "status_label": "Done",
        "finished": True,
        "processed": 4,
        "total": 4,
        "percent": 100,
        "created": 2,
        "updated": 0,
        "skipped": 2,
        "rejected": 2,
        "error": "",
    }
    summary = admin_client.get(started.url).content.decode()
    assert "2 created, 0 updated, 2 skipped." in summary
    assert "looks like a spreadsheet formula" in summary and "Just your name" in summary
    assert 'http-equiv="refresh"' not in summary  # finished: no more refreshing
    assert JourneyEvent.objects.filter(kind="enrolled", actor="admin:alice").count() == 2
    assert set(Enrollment.objects.values_list("cohort", flat=True)) == {"spring"}

    download = admin_client.get(reverse("campaigns_import_rejected", args=[student_import.pk]))
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=" not in text and ",=" not in text

    # Starting again (a double click, the back button) queues nothing and imports nothing twice.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = admin_client.post(response.url, {"email": "0", "action": "run"})
    assert again.status_code == 302 and callbacks == []


def test_a_running_import_shows_progress_that_polls_and_refreshes_without_js(admin_client, program):
    student_import = imports.student_import_create(
        data=csv_bytes(ROWS), file_name="s.csv", program=program, actor="admin:alice"
    )
    imports.student_import_start(student_import=student_import, mapping={"email": 0}, in_task_runner=False)
    page = admin_client.get(reverse("campaigns_import_status", args=[student_import.pk])).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "import_progress.js" in page
    assert 'id="import-progress" max="3" value="0"' in page


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"PK\x03\x04....", "students.xlsx", "Excel"),
        (b"", "empty.csv", "The submitted file is empty"),
    ],
)
def test_admin_upload_refuses_what_is_not_a_csv(admin_client, program, data, name, message):
    response = upload(admin_client, program, data, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not StudentImport.objects.exists()


def test_admin_upload_refuses_files_over_the_limit(admin_client, program, monkeypatch):
    monkeypatch.setattr(import_files, "MAX_BYTES", 100)
    from campaigns import import_views

    monkeypatch.setattr(import_views, "MAX_BYTES", 100)
    response = upload(admin_client, program, csv_bytes([["email"], *([f"p{i}@example.org"] for i in range(20))]))
    assert response.status_code == 400 and "larger than" in response.content.decode()
    assert not StudentImport.objects.exists()


@pytest.fixture
def editor(db, django_user_model, program):
    """An editor of another program only (Wagtail page permission on that program)."""
    other = program_page(slug="other")
    group = Group.objects.create(name="Other editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    GroupPagePermission.objects.create(
        group=group, page=other, permission=Permission.objects.get(codename="change_page")
    )
    user = django_user_model.objects.create_user("ed", "ed@example.org", "pw-ed-12345")
    user.groups.add(group)
    return user, other


def test_a_user_who_cannot_edit_the_program_cannot_import_into_it(client, program, editor, admin_user):
    user, other = editor
    client.force_login(user)
    page = client.get(reverse("campaigns_import")).content.decode()
    assert "Program other" in page and "Program focus" not in page

    assert refused(upload(client, program, csv_bytes(ROWS)))
    assert not StudentImport.objects.exists()

    theirs = imports.student_import_create(
        data=csv_bytes(ROWS), file_name="a.csv", program=program, actor="admin:alice"
    )
    for name in (
        "campaigns_import_map",
        "campaigns_import_status",
        "campaigns_import_status_json",
        "campaigns_import_rejected",
    ):
        assert refused(client.get(reverse(name, args=[theirs.pk]))), name
    assert refused(client.post(reverse("campaigns_import_map", args=[theirs.pk]), {"email": "0", "action": "run"}))
    assert StudentImport.objects.get(pk=theirs.pk).status == ImportStatus.UPLOADED

    # Into their own program it works.
    assert upload(client, other, csv_bytes(ROWS)).status_code == 302


def test_a_user_with_no_program_to_edit_gets_403_and_no_menu_item(client, django_user_model, program):
    user = django_user_model.objects.create_user("nobody", "n@example.org", "pw-nobody-123")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert refused(client.get(reverse("campaigns_import")))
    assert "Import students" not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_the_students_menu_offers_the_import(admin_client, program):
    assert reverse("campaigns_import") in admin_client.get(reverse("wagtailadmin_home")).content.decode()


def test_unknown_import_is_404(admin_client):
    assert admin_client.get(reverse("campaigns_import_status", args=[999])).status_code == 404


def test_the_import_task_runs_by_id(program):
    from campaigns import tasks

    student_import = imports.student_import_create(data=csv_bytes(ROWS), file_name="s.csv", program=program, actor="x")
    imports.student_import_start(student_import=student_import, mapping={"email": 0}, in_task_runner=False)
    assert tasks.run_student_import(student_import.pk) == ImportStatus.DONE
    assert Student.objects.count() == 3
    assert tasks.run_student_import.task_name == "campaigns.tasks.run_student_import"


def test_a_start_date_in_the_past_is_picked_up_by_the_tick(program):
    from campaigns import engine

    run(program, csv_bytes([["email", "start"], ["ann@example.org", "2026-03-01"]]))
    assert engine.tick(now=NOW + timedelta(minutes=1)).get("start") == 1
    assert Enrollment.objects.get().stage == Stage.ACTIVE
