"""A creator imports a CSV of students in the admin: upload, preview, watch the progress, read the
summary, download the rejected rows, and find the students in the admin."""

import csv
import io

import pytest

from campaigns import imports
from campaigns.models import Enrollment, StudentImport
from mailers import runner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = [
    ["Email", "Prénom", "Nom", "Time zone", "Consent"],
    ["ann@example.org", "Ann", "Lée", "Europe/Paris", "oui"],  # "oui" is neither yes nor no: rejected
    ["bob@example.org", "Bob", "Müller", "Europe/Berlin", "yes"],
    ['=HYPERLINK("http://evil.example")', "Eve", "", "", ""],
    ["cy@example.org", "Cy", "Ng", "Mars/Olympus", ""],
    ["dee@example.org", "Dee", "Diallo", "", "no"],
    ["eli@example.org", "Eli", "Okafor", "Asia/Tokyo", ""],
]


def log_in(page, live_server):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-alice-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_creator_imports_students_and_watches_the_progress(
    desktop, live_server, admin_user, program, monkeypatch, tmp_path
):
    # The task runner holds the job, so the test can run it chunk by chunk while the page watches.
    queued = []
    monkeypatch.setattr(runner, "_send", lambda name, ids: queued.append((name, ids)))
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";").writerows(ROWS)
    data = buffer.getvalue().encode("cp1252")

    log_in(desktop, live_server)
    desktop.get_by_role("button", name="Students").click()
    desktop.get_by_role("link", name="Import students").click()
    desktop.wait_for_selector("h1:has-text('Import students')")
    desktop.set_input_files("#id_file", files=[{"name": "export.csv", "mimeType": "text/csv", "buffer": data}])
    desktop.select_option("#id_program", label=program.title)
    desktop.fill("#id_cohort", "spring")
    desktop.get_by_role("button", name="Upload and choose the columns").click()

    # Columns guessed from the header (French names too); bad cells marked in the preview; nothing imported yet.
    desktop.wait_for_selector("text=6 rows (read as cp1252, semicolon-separated)")
    assert desktop.locator("#id_email").input_value() == "0"
    assert desktop.locator("#id_last_name").input_value() == "2"
    assert desktop.locator("#id_time_zone").input_value() == "3"
    assert desktop.locator("#id_marketing_consent").input_value() == "4"
    assert desktop.locator("td.has-error").count() == 3
    assert "looks like a spreadsheet formula" in desktop.locator("tr[data-line='4']").inner_text()
    assert not Enrollment.objects.exists()
    desktop.get_by_role("button", name="Import 6 rows").click()

    desktop.wait_for_selector("text=Rows handled: 0 of 6")
    assert desktop.locator("#import-progress").get_attribute("value") == "0"
    assert [name for name, _ in queued] == ["campaigns.tasks.run_student_import"]
    desktop.evaluate("window.__samePage = true")

    def watch(done, total):
        # After each committed chunk, the page shows it without a reload.
        shown = f"document.querySelector('[data-field=processed]')?.textContent === '{done}'"
        desktop.wait_for_function(f"{shown} || document.getElementById('summary')")
        if done < total:
            assert desktop.evaluate("window.__samePage") is True
            assert desktop.locator("#import-progress").evaluate("el => el.value") == done

    student_import = StudentImport.objects.get()
    imports.student_import_run(student_import_id=queued[0][1][0], chunk=2, progress=watch)

    desktop.wait_for_selector("#summary")  # done: the page reloads once to show the summary
    summary = desktop.locator(".nice-padding").inner_text()
    assert "3 created, 0 updated, 3 skipped." in summary
    assert "'oui' is neither yes nor no" in summary
    assert "'Mars/Olympus' is not a known time zone" in summary
    assert "looks like a spreadsheet formula" in summary

    with desktop.expect_download() as download_info:
        desktop.get_by_role("link", name="Download the 3 rejected rows (CSV)").click()
    path = tmp_path / "rejected.csv"
    download_info.value.save_as(path)
    rejected = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rejected[0] == [*ROWS[0], "import row", "reason"]
    assert [r[0] for r in rejected[1:]] == ["ann@example.org", "'" + ROWS[3][0], "cy@example.org"]

    # The imported students are in the admin, enrolled in the cohort chosen at upload.
    desktop.goto(f"{live_server.url}/admin/students/?q=example.org")
    listing = desktop.locator("main").inner_text()
    for email in ("bob@example.org", "dee@example.org", "eli@example.org"):
        assert email in listing
    assert "ann@example.org" not in listing
    assert set(Enrollment.objects.values_list("cohort", flat=True)) == {"spring"}
    assert student_import.pk == StudentImport.objects.get().pk
