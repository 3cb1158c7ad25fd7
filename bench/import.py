"""Benchmark: a 50,000-row CSV import on SQLite (target <= 30 s), with peak memory.

In one child process on a fresh SQLite file: write a CSV of N students (names with accents, time
zones, consent, a milestone for one row in ten, a few bad rows), then time
  - the baseline: reading the same file (decode, sniff, parse) and validating every row, no database;
  - the import: ``imports.student_import_run`` end to end (what the admin's task and the command run);
  - the same file again (idempotent: everything "already enrolled").
Peak RSS is the child's (the baseline, then the import, in the same process). The import's CPU time
is printed too: on a shared machine the wall time also counts waiting for a core.

    .venv/bin/python bench/import.py [--rows 50000]
"""

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ZONES = ["Europe/Paris", "America/New_York", "Asia/Tokyo", "", "Europe/Berlin"]


def make_csv(n: int) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Email", "First name", "Last name", "Time zone", "Marketing consent", "Milestones"])
    for i in range(n):
        email = f"student{i}@example.org" if i % 1000 != 999 else f"broken{i}@"  # 0.1 % bad addresses
        writer.writerow(
            [
                email,
                f"Zoé{i % 97}",
                "Müller-Lévêque",
                ZONES[i % 5],
                "yes" if i % 3 else "no",
                "first-calm-morning" if i % 10 == 0 else "",
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def child(db_path: str, n: int) -> dict:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.dev"
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    from campaigns import import_files, imports
    from campaigns.models import Enrollment, ProgramPage, Student
    from cms.demo import load_demo

    call_command("migrate", verbosity=0)
    load_demo()
    program = ProgramPage.objects.get(slug="demo")
    students_before, enrollments_before = Student.objects.count(), Enrollment.objects.count()
    data = make_csv(n)

    started = time.perf_counter()
    parsed = import_files.parse(data)
    milestones = import_files.Milestones.of(program)
    mapping = import_files.guess_mapping(parsed.header)
    bad = sum(1 for cells in parsed.rows if import_files.read_row(cells, mapping, milestones)[1])
    baseline = time.perf_counter() - started
    del parsed

    def run() -> tuple[float, float, object]:
        started, cpu = time.perf_counter(), time.process_time()
        student_import = imports.student_import_create(data=data, file_name="bench.csv", program=program, actor="bench")
        imports.student_import_start(
            student_import=student_import, mapping=student_import.mapping, in_task_runner=False
        )
        result = imports.student_import_run(student_import_id=student_import.pk)
        return time.perf_counter() - started, time.process_time() - cpu, result

    first_s, first_cpu, first = run()
    assert first.status == "done", first.error
    again_s, _, again = run()
    assert Student.objects.count() - students_before == n - bad
    assert Enrollment.objects.count() - enrollments_before == n - bad
    assert (again.created_count, again.updated_count) == (0, 0)
    return {
        "rows": n,
        "bytes": len(data),
        "bad": bad,
        "baseline_s": baseline,
        "import_s": first_s,
        "import_cpu_s": first_cpu,
        "created": first.created_count,
        "rejected": first.rejected_count,
        "again_s": again_s,
        "again_skipped": again.skipped_count,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, __file__, "--child", os.path.join(tmp, "bench.sqlite3"), str(args.rows)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
    r = json.loads(out.strip().splitlines()[-1])
    print(f"{r['rows']:,} rows ({r['bytes'] / 1e6:.1f} MB, UTF-8 with BOM, semicolons; {r['bad']} bad rows), SQLite:")
    print(f"  baseline: read + validate, no database   {r['baseline_s']:7.2f} s")
    print(
        f"  import (created {r['created']:,}, rejected {r['rejected']})   {r['import_s']:7.2f} s"
        f"   x{r['import_s'] / r['baseline_s']:.1f} baseline   {1e6 * r['import_s'] / r['rows']:.0f} us/row"
    )
    print(f"  import CPU time (this process; the rest of the wall time is waiting)  {r['import_cpu_s']:7.2f} s")
    print(f"  same file again (skipped {r['again_skipped']:,})      {r['again_s']:7.2f} s")
    print(f"  peak RSS {r['peak_mb']:.0f} MB")
    verdict = "PASS" if r["import_s"] <= 30 else "FAIL"
    print(f"target: {r['rows']:,} rows imported in <= 30 s -> {verdict}")


if __name__ == "__main__":
    main()
