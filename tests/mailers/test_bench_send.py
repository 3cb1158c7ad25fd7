"""bench/send.py gives its figures at any hour (before: between 21:00 and 08:00 every message was
deferred by quiet hours and the bench failed)."""

import json
import shutil
import sys

import pytest

from tests.conftest import ROOT, start_process, stop_process, subprocess_env

# On the worker of the runengine tests: both start children on a copy of one migrated SQLite file.
pytestmark = [pytest.mark.backend_independent, pytest.mark.xdist_group("runengine")]

# The bench's child with the wall clock faked (faketime is not installed): every timezone.now() it reads.
FAKED_WALL_CLOCK = """
import runpy, sys
from datetime import datetime
from unittest import mock
at = datetime.fromisoformat(sys.argv[1])
sys.argv = ["bench/send.py", *sys.argv[2:]]
with mock.patch("django.utils.timezone.now", lambda: at):
    runpy.run_path("bench/send.py", run_name="__main__")
"""


def run(args: list[str]) -> dict:
    proc = start_process([sys.executable, *args], env=subprocess_env())
    try:
        out, _ = proc.communicate(timeout=240)
    finally:
        stop_process(proc)
    assert proc.returncode == 0, out[-3000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def bench_db(tmp_path, migrated_sqlite_db):
    path = tmp_path / "bench.sqlite3"
    shutil.copy(migrated_sqlite_db, path)
    return path


def test_the_outbox_bench_sends_everything_at_night(bench_db):
    """Before: "AssertionError: Counter({DEFERRED: 120, 'sent': 0 ...})" at 23:30."""
    child = ["--messages", "120", "--child", "outbox", "single", f"sqlite:///{bench_db}"]
    result = run(["-c", FAKED_WALL_CLOCK, "2026-12-01T23:30:00+00:00", *child])
    assert result["vendor"] == "sqlite" and result["calls"] == 120  # the child asserts all 120 were sent


def test_the_bench_runs_on_a_chosen_clock(bench_db):
    child = ["--messages", "50", "--now", "2026-12-01T07:59:00+00:00", "--child", "outbox", "batched"]
    result = run([str(ROOT / "bench" / "send.py"), *child, f"sqlite:///{bench_db}"])
    assert result["calls"] == 1  # 50 recipients in one batch call, none deferred


def test_a_clock_without_an_offset_is_refused_with_a_clear_message(tmp_path):
    proc = start_process(
        [sys.executable, str(ROOT / "bench" / "send.py"), "--now", "2026-12-01T23:30"], env=subprocess_env()
    )
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "has no UTC offset" in out
