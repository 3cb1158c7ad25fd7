"""Benchmark: the journey tick at 10k and 100k enrollments on SQLite.

For each size N: bulk-enroll N students (cohort starting tomorrow) into a fresh SQLite file,
then time, each in its own process so peak memory is the tick's own:
  - a tick that finds nothing due (today),
  - a tick that makes all N enrollments due (tomorrow) and records their stage change.
Baseline, measured in the same run on the same file: the bare SQL the due tick must at
least do (UPDATE N enrollments, INSERT N events, UPDATE N actions) through sqlite3 directly.

Targets: the 100k due tick <= 10 s and <= 300 MB peak RSS; cost linear in N.

    .venv/bin/python bench/tick.py [--sizes 10000,100000]
"""

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(db_path: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()


def prepare(db_path: str, n: int, now: datetime) -> float:
    setup_django(db_path)
    from django.core.management import call_command

    from campaigns import bulk
    from campaigns.models import ProgramPage
    from cms.demo import load_demo

    call_command("migrate", verbosity=0)
    load_demo()
    program = ProgramPage.objects.get(slug="demo")
    started = time.perf_counter()
    created = bulk.students_bulk_enroll(
        program=program,
        people=({"email": f"bench{i}@example.org", "first_name": f"B{i}"} for i in range(n)),
        starts_at=now + timedelta(days=1),
        actor="bench",
        now=now,
    )
    assert created == n, created
    return time.perf_counter() - started


def run_tick(db_path: str, at: str) -> dict:
    setup_django(db_path)
    from campaigns import engine

    started = time.perf_counter()
    processed = engine.tick(now=datetime.fromisoformat(at))
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak_mb, "processed": processed}


def baseline_sql(db_path: str, n: int, at: str) -> float:
    """The minimum writes a due tick needs, as bare SQL on a copy of the same database."""
    copy = db_path + ".baseline"
    shutil.copy(db_path, copy)
    conn = sqlite3.connect(copy, isolation_level=None)
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    ids = [row[0] for row in conn.execute("SELECT id FROM campaigns_enrollment WHERE stage='enrolled'")]
    conn.execute("UPDATE campaigns_enrollment SET stage='active', updated_at=? WHERE stage='enrolled'", (at,))
    conn.executemany(
        "INSERT INTO campaigns_journeyevent (student_id, enrollment_id, program_id, kind, from_stage, to_stage,"
        " reason, actor, occurred_at, data) SELECT student_id, id, program_id, 'stage_changed', 'enrolled',"
        " 'active', 'the program started', 'engine', ?, '{}' FROM campaigns_enrollment WHERE id=?",
        ((at, i) for i in ids),
    )
    conn.execute(
        "UPDATE campaigns_scheduledaction SET status='done', done_at=? WHERE status='pending' AND kind='start'",
        (at,),
    )
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    os.remove(copy)
    assert len(ids) == n
    return seconds


def in_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        command, db_path, *rest = args.child
        if command == "prepare":
            print(json.dumps({"seconds": prepare(db_path, int(rest[0]), datetime.fromisoformat(rest[1]))}))
        else:
            print(json.dumps(run_tick(db_path, rest[0])))
        return

    now = datetime.fromisoformat("2026-11-23T12:00:00+00:00")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(s) for s in args.sizes.split(",")]:
            db_path = os.path.join(tmp, f"bench-{n}.sqlite3")
            enroll = in_child("--child", "prepare", db_path, str(n), now.isoformat())
            idle = in_child("--child", "tick", db_path, now.isoformat())
            base = baseline_sql(db_path, n, (now + timedelta(days=1)).isoformat())
            due = in_child("--child", "tick", db_path, (now + timedelta(days=1)).isoformat())
            assert due["processed"].get("start") == n, due
            rows.append((n, enroll["seconds"], idle, due, base))

    print(
        f"{'N':>8} {'bulk enroll s':>14} {'idle tick s':>12} {'idle MB':>8} {'due tick s':>11} "
        f"{'due MB':>7} {'bare SQL s':>11} {'x bare SQL':>11} {'us/enrollment':>14}"
    )
    for n, enroll_s, idle, due, base in rows:
        print(
            f"{n:>8} {enroll_s:>14.2f} {idle['seconds']:>12.4f} {idle['peak_mb']:>8.0f} {due['seconds']:>11.2f} "
            f"{due['peak_mb']:>7.0f} {base:>11.2f} {due['seconds'] / base:>11.1f} {1e6 * due['seconds'] / n:>14.1f}"
        )
    if len(rows) >= 2:
        (n1, _, _, d1, _), (n2, _, _, d2, _) = rows[0], rows[-1]
        print(f"scaling {n1} -> {n2}: x{d2['seconds'] / d1['seconds']:.1f} time for x{n2 / n1:.0f} enrollments")
    n, _, _, due, _ = rows[-1]
    verdict = "PASS" if due["seconds"] <= 10 and due["peak_mb"] <= 300 else "FAIL"
    print(f"target for the {n:,} due tick: <= 10 s and <= 300 MB -> {verdict}")


if __name__ == "__main__":
    main()
