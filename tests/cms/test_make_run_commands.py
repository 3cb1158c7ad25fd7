"""The commands `make run` chains: demo data, the admin user, and the engine's two processes."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.models import Page, Revision, Site

from campaigns.models import ProgramPage
from cms.models import HomePage
from tests.conftest import start_process, subprocess_env

ROOT = Path(__file__).resolve().parents[2]
# One xdist worker runs these: each starts a whole engine (web + cluster), heavy on 2 cores.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("runengine")]


def snapshot():
    return (
        Page.objects.count(),
        Revision.objects.count(),
        list(Page.objects.order_by("pk").values_list("pk", "slug", "live", "latest_revision_id")),
    )


def test_load_demo_creates_the_demo_program_once(capsys):
    call_command("load_demo")
    program = ProgramPage.objects.get(slug="demo")
    assert program.live
    assert len(program.ordered_milestones) == 4
    assert Site.objects.get(is_default_site=True).root_page.specific.__class__ is HomePage
    before = snapshot()
    call_command("load_demo")
    assert snapshot() == before
    assert "nothing changed" in capsys.readouterr().out


def test_demo_program_page_renders(client):
    call_command("load_demo")
    response = client.get(ProgramPage.objects.get(slug="demo").url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "We are out to help 1,000,000 families raise calm, focused kids by December" in html
    # 412,300 at the start + the two demo students
    assert "412,302 families so far." in html and "412,302 of 1,000,000 families (41.2%)" in html


def test_the_demo_carries_a_simulated_cohort_kept_apart_from_real_data(capsys, settings, monkeypatch):
    """`make run` shows a cohort that went through every phase and whose friends bought, ended today; it is
    marked simulated, so the dashboard's figures (which leave simulated students out) stay those of the
    two demo students: the simulated cohort shows only with simulated data switched on."""
    from datetime import UTC, datetime

    from django.utils import timezone

    from campaigns.models import Enrollment, Student
    from cms.dashboard import metrics
    from referrals.conversions.models import Conversion

    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 10, 23, 30, tzinfo=UTC))
    settings.DEMO_SIMULATED_STUDENTS = 12
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "simulated a cohort of 12 students that ended today" in out
    program = ProgramPage.objects.get(slug="demo")
    cohort = Enrollment.objects.filter(program=program, cohort__startswith="sim-1-")
    assert cohort.count() == 12 and not cohort.filter(student__simulated=False).exists()
    assert Conversion.objects.filter(graduate__simulated=True).exists()
    # Only the two demo students are real; the dashboard counts them and nobody else.
    assert set(Student.objects.filter(simulated=False).values_list("email", flat=True)) == {
        "sam.demo@example.com",
        "maria.demo@example.com",
    }
    assert metrics.program_funnel(program)[0].count == 2
    before = snapshot(), Enrollment.objects.count()
    call_command("load_demo")
    assert (snapshot(), Enrollment.objects.count()) == before  # loaded once


def test_ensure_admin_takes_credentials_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "creator")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-pass-phrase")
    call_command("ensure_admin")
    user = get_user_model().objects.get(username="creator")
    assert user.is_superuser and user.check_password("a-long-pass-phrase")
    call_command("ensure_admin")
    assert get_user_model().objects.count() == 1
    assert "username=creator password=a-long-pass-phrase" in capsys.readouterr().out


def test_ensure_admin_generates_and_remembers_a_password(monkeypatch, tmp_path, capsys):
    from cms.management.commands import ensure_admin

    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    monkeypatch.setattr(ensure_admin, "PASSWORD_FILE", tmp_path / ".admin-password")
    call_command("ensure_admin")
    first = capsys.readouterr().out
    password = first.split("password=")[1].strip()
    assert get_user_model().objects.get(username="admin").check_password(password)
    call_command("ensure_admin")
    assert f"password={password}" in capsys.readouterr().out


@pytest.fixture(scope="session")
def migrated_demo_db(tmp_path_factory, migrated_sqlite_db):
    """One SQLite file migrated with the demo loaded, copied by each runengine case. Session-scoped:
    under xdist other modules' tests run between these cases, which would tear a module fixture
    down and migrate again (about 25 s each time)."""
    path = tmp_path_factory.mktemp("run") / "demo.db"
    shutil.copy(migrated_sqlite_db, path)
    env = subprocess_env(DJANGO_SETTINGS_MODULE="cms.settings.dev", DATABASE_URL=f"sqlite:///{path}")
    subprocess.run([sys.executable, "manage.py", "load_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    return path


def _ignore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # what a shell does to a job it starts in the background


@pytest.mark.backend_independent
@pytest.mark.parametrize(
    ("how", "preexec"),
    [("ctrl-c", None), ("sigterm", None), ("sigint-to-a-background-job", _ignore_sigint)],
)
def test_runengine_serves_the_site_and_runs_the_worker_until_stopped(tmp_path, migrated_demo_db, how, preexec):
    """`make run`'s last step: web + django-q2 worker together; Ctrl-C or `kill` stops both."""
    shutil.copy(migrated_demo_db, tmp_path / "run.db")
    env = subprocess_env(DJANGO_SETTINGS_MODULE="cms.settings.dev", DATABASE_URL=f"sqlite:///{tmp_path}/run.db")
    # preexec only changes a signal disposition in the child.
    port = _free_port()
    proc = start_process([sys.executable, "manage.py", "runengine", f"127.0.0.1:{port}"], env, preexec_fn=preexec)
    try:
        body = None
        for _ in range(60):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()  # noqa: S310
                break
            except OSError:
                time.sleep(0.5)
        assert body is not None and json.loads(body) == {"ok": True}
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/demo/", timeout=5).read().decode()  # noqa: S310
        assert "Focused Kids" in page
        family: list[int] = []
        for _ in range(90):  # the cluster starts its pusher, monitor and workers (slowly on a busy machine)
            family = _descendants(proc.pid)
            if len(family) >= 3:
                break
            time.sleep(0.5)
        assert len(family) >= 2, "the django-q2 cluster and its workers are not running"
    finally:
        stopping = time.monotonic()
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole group
        else:
            os.kill(proc.pid, signal.SIGTERM if how == "sigterm" else signal.SIGINT)  # the parent only
        out, _ = proc.communicate(timeout=30)
        stopped_in = time.monotonic() - stopping
    assert proc.returncode is not None
    # Before: SIGTERM to the cluster's whole group left it waiting on its own processes until the 10 s
    # grace ran out and they were killed (about 12 s); the cluster stopping itself takes about 3.
    assert stopped_in < 9, f"stopping took {stopped_in:.1f} s"
    time.sleep(1)
    left = [pid for pid in family if _alive(pid)]
    assert not left, f"still running after the stop: {left}"
    assert "worker pid" in out


@pytest.mark.backend_independent
def test_runengine_ends_its_start_up_output_with_the_admin_the_credentials_and_the_demo_links(
    tmp_path, migrated_demo_db
):
    """Before: the credentials and links sat in the middle of ~600 lines of migrations and emails."""
    shutil.copy(migrated_demo_db, tmp_path / "run.db")
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="cms.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path}/run.db",
        DJANGO_SUPERUSER_USERNAME="creator",
        DJANGO_SUPERUSER_PASSWORD="a-long-pass-phrase",
    )
    port = _free_port()
    proc = start_process([sys.executable, "manage.py", "runengine", f"127.0.0.1:{port}"], env)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        for _ in range(240):
            if any("The engine is running" in line for line in lines):
                break
            time.sleep(0.5)
        time.sleep(4)  # anything still to come at start-up would show up after the block
        shown = [line.rstrip("\n") for line in list(lines)]
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
    text = "\n".join(shown)
    assert "The engine is running" in text, text[-3000:]
    block = shown[max(i for i, line in enumerate(shown) if "The engine is running" in line) - 1 :]
    assert block[0].startswith("-" * 20) and block[-1].startswith("-" * 20), block  # it is the last thing shown
    assert f"  admin:    http://127.0.0.1:{port}/admin/" in block
    assert "  username: creator" in block and "  password: a-long-pass-phrase" in block
    assert any("personal page of Sam" in line and "/me/" in line for line in block)
    assert any("personal page of Maria" in line for line in block)
    assert any("Maria's special link" in line and "/r/" in line for line in block)
    # Before: the links said port 8000 whatever port the engine ran on.
    assert any(f"http://127.0.0.1:{port}/me/" in line for line in block), block
    # The demo's history (Maria's past emails) was recorded by load_demo, not printed. Today's two
    # (Sam's prompt, Maria's ask) may be sent by the worker now and show above the block, unless the
    # clock is in quiet hours: so count only the history's subjects, which pass at any hour.
    for subject in ("would you put what changed into words", "First breakthrough: a moment worth sharing"):
        assert subject not in text
    assert "INFO django-q" not in text  # the worker's routine task lines stay out (LOG_LEVEL=INFO shows them)


def test_the_summary_waits_for_runserver_s_banner(monkeypatch):
    """Before: the summary went out once the port listened, and Django 5's runserver prints its banner
    only after binding, so the banner could land below the credentials."""
    import io
    from types import SimpleNamespace

    from cms.management.commands import runengine

    monkeypatch.setattr(runengine, "_listening", lambda addrport: True)
    monkeypatch.setattr(runengine, "_has_children", lambda pid: True)
    monkeypatch.setattr(runengine, "_queue_empty", lambda: True)
    monkeypatch.setattr(runengine, "summary_lines", lambda addrport: ["THE SUMMARY"])
    screen = io.StringIO()
    server_out = runengine._Announcing(screen)
    command = runengine.Command(stdout=screen)
    quiet_worker = SimpleNamespace(quiet_for=lambda: 60.0)
    summary = threading.Thread(
        target=command._summary_when_up,
        args=("127.0.0.1:8000", SimpleNamespace(pid=1), quiet_worker, server_out),
        kwargs={"settle": 0, "limit": 20},
    )
    summary.start()
    time.sleep(1.0)
    assert "THE SUMMARY" not in screen.getvalue()  # listening, worker quiet, queue empty: not yet
    print("Starting development server at http://127.0.0.1:8000/\nQuit the server with CONTROL-C.", file=server_out)
    server_out.write("WARNING: This is a development server.\n")
    summary.join(timeout=10)
    text = screen.getvalue()
    assert "THE SUMMARY" in text and text.index("WARNING: This is a development server") < text.index("THE SUMMARY")


def test_load_demo_records_the_demo_s_history_emails_without_printing_them(capsys):
    from mailers.models import Message, Status

    call_command("load_demo")
    out = capsys.readouterr().out
    assert "Content-Type" not in out and "Subject:" not in out
    history = Message.objects.filter(status=Status.SENT).count()
    assert history > 0
    assert f"{history} emails of the demo's history recorded, not printed" in out
    assert len(out.splitlines()) < 15


def test_make_run_migrates_quietly_and_ends_with_runengine():
    steps = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", "-o", ".venv/.installed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert "manage.py migrate --noinput -v0" in steps[0]
    assert "manage.py runengine 127.0.0.1:8000" in steps[-1]
    assert all("LOG_LEVEL=WARNING" in step for step in steps if "load_demo" in step or "ensure_admin" in step)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _descendants(root: int) -> list[int]:
    """Every process below ``root`` (the worker, its cluster processes), from ps."""
    rows = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True).stdout.split("\n")
    children: dict[int, list[int]] = {}
    for row in rows:
        if row.strip():
            pid, ppid = map(int, row.split())
            children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is not running.
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return bool(state) and not state.startswith("Z")


@pytest.mark.backend_independent
def test_runengine_refuses_a_busy_port_before_starting_the_worker(tmp_path, migrated_demo_db):
    import socket

    shutil.copy(migrated_demo_db, tmp_path / "run.db")
    env = subprocess_env(DJANGO_SETTINGS_MODULE="cms.settings.dev", DATABASE_URL=f"sqlite:///{tmp_path}/run.db")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "manage.py", "runengine", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert f"127.0.0.1:{port} is already in use" in result.stderr
    assert "worker pid" not in result.stdout


@pytest.mark.parametrize(
    ("addrport", "base"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("9000", "http://127.0.0.1:9000"),
        ("0.0.0.0:9000", "http://127.0.0.1:9000"),
        ("localhost:8123", "http://localhost:8123"),
    ],
)
def test_runengine_s_links_name_the_address_it_serves(addrport, base):
    from cms.management.commands.runengine import local_base_url

    assert local_base_url(addrport) == base


def test_the_admin_ensure_admin_makes_can_save_their_account_page(monkeypatch, client):
    """Wagtail's account page is one form: without a first and last name the admin could not even turn a
    team email off."""
    from bs4 import BeautifulSoup
    from django.urls import reverse

    from cms.models import StaffEmailPreferences

    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "creator")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-pass-phrase")
    call_command("ensure_admin")
    user = get_user_model().objects.get(username="creator")
    assert user.first_name and user.last_name
    client.force_login(user)
    page = BeautifulSoup(client.get(reverse("wagtailadmin_account")).content, "html.parser")
    form = page.find("input", {"name": "staff_emails-weekly_summary"}).find_parent("form")
    data = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or field.get("type") in ("submit", "file") or name == "staff_emails-weekly_summary":
            continue
        if field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        elif field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            data[name] = chosen.get("value", "") if chosen else ""
        else:
            data[name] = field.get("value", field.text)
    response = client.post(reverse("wagtailadmin_account"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert StaffEmailPreferences.objects.get(user=user).weekly_summary is False
