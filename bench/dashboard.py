"""Benchmark: the program dashboard (/admin/dashboard/<id>/) and the public program page on PostgreSQL,
at 10,000 and then 100,000 students, to show their query counts do not grow with the data.

One fresh database of the bench's own (created, then dropped at the end): migrate, a home page and three
published programs, a superuser; then set-based SQL (INSERT … SELECT over generate_series, no rows through
Python) adds, per student across the three programs: one enrollment, 10 journey events, 2 messages, a
feedback score for one in two, a sharing prompt delivery (40% completed), and for one in ten a special
link with three clicks. First 10,000 students (100,000 events, 20,000 messages), measured; then 90,000
more (1,000,000 events, 200,000 messages in all), VACUUM ANALYZE, measured again.

Each measurement: the Django test client in one process with the production settings (DEBUG off,
SECURE=false over plain HTTP, the static files' plain storage instead of the manifest so no collectstatic
is needed), 3 warm-up loads, then 20 timed loads of /healthz (the baseline, same process, same run), the
Wagtail admin's own account page (the admin's chrome: menu, base template), the dashboard of the
first program (logged in as the superuser) and that program's public page: p50 and p95
server time, and the queries one load runs.

Target: the dashboard's p95 <= 500 ms at 100,000 students, and the same query count at both sizes.

    .venv/bin/python bench/dashboard.py [--pg postgres://postgres@127.0.0.1:5432/bench_dashboard]
                                        [--sizes 10000,100000] [--loads 20]
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import fresh_pg_database  # noqa: E402 - after the path is set

EVENTS_PER_STUDENT = 10
MESSAGES_PER_STUDENT = 2
WARM = 3
TARGET_P95_MS = 500
BENCH_CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/15")


def write_settings(tmp: str) -> None:
    Path(tmp, "bench_dashboard_settings.py").write_text(
        "from cms.settings.production import *  # noqa: F403\n\n"
        "# The manifest storage only renames static files; the plain one needs no collectstatic.\n"
        'STORAGES = {**STORAGES, "staticfiles": {"BACKEND": '  # noqa: F405
        '"django.contrib.staticfiles.storage.StaticFilesStorage"}}\n'
    )


def django_env(database_url: str, tmp: str) -> dict:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join([tmp, str(ROOT)]),
        DJANGO_SETTINGS_MODULE="bench_dashboard_settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        CACHE_URL=BENCH_CACHE_URL,
        EMAIL_PROVIDER="log",
        MAIL_LOG_PATH=os.path.join(tmp, "sent-mail.jsonl"),
        BASE_URL="http://localhost",
        SECURE="false",
        ALLOWED_HOSTS="localhost,testserver",
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
    )
    return env


# --- The child: builds and measures (run with the bench settings) ----------------------------------


def prepare():
    from datetime import date, timedelta

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from wagtail.models import Locale, Page, Site

    from campaigns.models import Milestone, ProgramPage
    from cms.models import HomePage

    call_command("migrate", verbosity=0)
    Locale.objects.get_or_create(language_code="en")
    home = HomePage.objects.first() or Page.get_first_root_node().add_child(
        instance=HomePage(title="Home", slug="home-bench")
    )
    Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})
    programs = []
    for n in range(3):
        program = ProgramPage(
            slug=f"bench-{n}",
            title=f"Bench program {n}",
            mission_statement="help families raise focused kids",
            mission_goal=1_000_000,
            mission_unit="families",
            mission_deadline=date.today() + timedelta(days=900),
            duration_days=30,
        )
        program.milestones.add(Milestone(slug="first-win", title="First win", day_offset=7, sort_order=0))
        program.milestones.add(Milestone(slug="halfway", title="Halfway", day_offset=15, sort_order=1))
        home.add_child(instance=program)
        program.save_revision().publish()
        programs.append(program.pk)
    get_user_model().objects.create_superuser("bench", "bench@example.org", secrets.token_urlsafe(16))
    return programs


def add_students(programs: list[int], first: int, last: int) -> float:
    """Students first..last-1 and everything of theirs, set-based. Returns the seconds it took."""
    from django.db import connection

    from campaigns.events import EngineEvent
    from referrals.events import ReferralEvent
    from sharing_prompts.events import PromptEvent
    from testimonials.events import FeedbackEvent

    kinds = [
        EngineEvent.ENROLLED,
        EngineEvent.STAGE_CHANGED,
        EngineEvent.MILESTONE_REACHED,
        PromptEvent.PROMPTED,
        PromptEvent.COMPLETED,
        FeedbackEvent.SCORED,
        FeedbackEvent.HAPPY,
        FeedbackEvent.UNHAPPY,
        FeedbackEvent.TESTIMONIAL_SUBMITTED,
        ReferralEvent.ASKED,
    ]
    params = {
        "first": first,
        "last": last,
        "programs": programs,
        "kinds": [str(k) for k in kinds],
        "nkinds": len(kinds),
        "events": EVENTS_PER_STUDENT,
        "messages": MESSAGES_PER_STUDENT,
    }
    # "e.student_id > floor": this call's students (ids only grow).
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM campaigns_student")
        params["floor"] = cursor.fetchone()[0]
        statements = [
            # Students, joined over the last year.
            """INSERT INTO campaigns_student (email, inbox, first_name, last_name, time_zone, marketing_consent,
                   created_at, updated_at, link_version, simulated)
               SELECT 'bench' || g || '@example.org', 'bench' || g || '@example.org', 'B' || g, '', 'UTC', g %% 2 = 0,
                      now() - (g %% 365) * interval '1 day', now(), 1, false
               FROM generate_series(%(first)s, %(last)s - 1) g""",
            # One enrollment each, in one of the three programs and one of four cohorts.
            """INSERT INTO campaigns_enrollment (cohort, stage, enrolled_at, starts_at, updated_at, program_id,
                   student_id)
               SELECT 'cohort-' || (s.id %% 4), 'active', s.created_at, s.created_at, now(),
                      (%(programs)s::int[])[1 + s.id %% 3], s.id
               FROM campaigns_student s WHERE s.id > %(floor)s""",
            # Ten journey events each.
            """INSERT INTO campaigns_journeyevent (kind, from_stage, to_stage, reason, actor, occurred_at, data,
                   enrollment_id, program_id, student_id)
               SELECT (%(kinds)s::text[])[1 + (e.id * 7 + k) %% %(nkinds)s], '', '', '', 'bench',
                      e.enrolled_at + k * interval '1 day', '{}', e.id, e.program_id, e.student_id
               FROM campaigns_enrollment e CROSS JOIN generate_series(1, %(events)s) k
               WHERE e.student_id > %(floor)s""",
            # Two messages each.
            """INSERT INTO mailers_message (idempotency_key, kind, category, to_email, to_name, time_zone, context,
                   status, next_attempt_at, attempts, deferred_reason, last_error, subject, provider,
                   provider_message_id, student_id, program_id, program_title, created_at, sent_at)
               SELECT 'bench-' || e.student_id || '-' || k, 'bench', 'transactional', 'b' || e.student_id
                      || '@example.org', '', 'UTC', '{}', 'sent', now(), 1, '', '', 'Hello', '', '',
                      e.student_id, e.program_id, 'Bench', e.enrolled_at, e.enrolled_at
               FROM campaigns_enrollment e CROSS JOIN generate_series(1, %(messages)s) k
               WHERE e.student_id > %(floor)s""",
            # A feedback score for one in two.
            """INSERT INTO testimonials_feedbackresponse (cohort, round, requested_at, questions, score, scored_at,
                   answers, route, route_reasons, enrollment_id, program_id, student_id, language, question_sets)
               SELECT e.cohort, 1, e.enrolled_at, '[]', e.id %% 11, e.enrolled_at + interval '20 days', '[]', '',
                      '[]', e.id, e.program_id, e.student_id, 'en', '[]'
               FROM campaigns_enrollment e WHERE e.id %% 2 = 0 AND e.student_id > %(floor)s""",
            # A prompt at the first milestone, 40% completed.
            """INSERT INTO sharing_prompts_promptdelivery (cohort, milestone_slug, milestone_title, ask, target_count,
                   channels, example_reflection, prompted_at, completed_at, reflection, enrollment_id, program_id,
                   student_id)
               SELECT e.cohort, 'first-win', 'First win', 'Tell three people', 3, '[]', '',
                      e.enrolled_at + interval '7 days',
                      CASE WHEN e.id %% 5 < 2 THEN e.enrolled_at + interval '8 days' END, '', e.id, e.program_id,
                      e.student_id
               FROM campaigns_enrollment e WHERE e.student_id > %(floor)s""",
            # A special link for one in ten, each opened by three people.
            """INSERT INTO referrals_referrallink (code, created_at, program_id, student_id)
               SELECT 'B' || e.student_id, e.enrolled_at + interval '30 days', e.program_id, e.student_id
               FROM campaigns_enrollment e WHERE e.id %% 10 = 0 AND e.student_id > %(floor)s""",
            """INSERT INTO referrals_referralclick (visitor, client, day, clicked_at, link_id)
               SELECT 'v' || l.id || '-' || k, '', (l.created_at + k * interval '1 day')::date,
                      l.created_at + k * interval '1 day', l.id
               FROM referrals_referrallink l CROSS JOIN generate_series(1, 3) k
               WHERE l.student_id > %(floor)s""",
        ]
        for sql in statements:
            cursor.execute(sql, params)
        # What autovacuum does in a while on a live database: statistics, and the visibility map that
        # lets index-only scans skip the table.
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def measure(programs: list[int], loads: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from campaigns.models import Enrollment, JourneyEvent, ProgramPage
    from mailers.models import Message

    program = ProgramPage.objects.get(pk=programs[0])
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username="bench"))
    urls = {
        "/healthz": "/healthz",
        "admin account": "/admin/account/",
        "dashboard": f"/admin/dashboard/{program.pk}/",
        "program page": program.url,
    }
    results = {}
    for name, url in urls.items():
        for _ in range(WARM):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        queries: list[tuple[float, str]] = []

        def count(execute, sql, params, many, context, queries=queries):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append(((time.perf_counter() - started) * 1000, sql))

        with connection.execute_wrapper(count):
            client.get(url)
        times = []
        for _ in range(loads):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        times.sort()
        results[name] = {
            "p50": times[len(times) // 2],
            "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
            "queries": len(queries),
            # Where the time goes: the slowest queries of one load (ms, the start of the SQL).
            "slowest": [(round(ms, 1), sql[:150]) for ms, sql in sorted(queries, reverse=True)[:3]],
        }
    results["rows"] = {
        "students": Enrollment.objects.count(),
        "in the program": Enrollment.objects.filter(program_id=program.pk).count(),
        "events": JourneyEvent.objects.count(),
        "messages": Message.objects.count(),
    }
    return results


def child(sizes: list[int], loads: int) -> None:
    import django

    django.setup()
    started = time.perf_counter()
    programs = prepare()
    setup_s = time.perf_counter() - started
    out, done = [], 0
    for size in sizes:
        build_s = add_students(programs, done, size)
        done = size
        out.append({"size": size, "build_s": build_s, **measure(programs, loads)})
    print(json.dumps({"setup_s": setup_s, "runs": out}))


# --- The parent: the database, the report ---------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/bench_dashboard")
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.child:
        child(sizes, args.loads)
        return
    if not fresh_pg_database(args.pg):
        sys.exit(f"PostgreSQL not reachable at {args.pg}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            write_settings(tmp)
            command = [sys.executable, __file__, "--child", "--sizes", args.sizes, "--loads", str(args.loads)]
            out = subprocess.run(
                command, env=django_env(args.pg, tmp), cwd=ROOT, capture_output=True, text=True, check=False
            )
            if out.returncode:
                sys.exit(f"the bench failed:\n{out.stderr[-4000:]}")
            result = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        fresh_pg_database(args.pg, drop_only=True)

    print(f"PostgreSQL, one process, Django test client, production settings; {args.loads} loads each")
    print(f"setup (migrate, 3 programs): {result['setup_s']:.1f} s")
    print(
        f"{'students':>9} {'events':>10} {'messages':>9} {'build s':>8} {'page':<14} {'p50 ms':>7} {'p95 ms':>7}"
        f" {'queries':>7} {'x /healthz p50':>14}"
    )
    for run in result["runs"]:
        rows = run["rows"]
        base = run["/healthz"]["p50"]
        for name in ("/healthz", "admin account", "dashboard", "program page"):
            figures = run[name]
            print(
                f"{rows['students']:>9,} {rows['events']:>10,} {rows['messages']:>9,} {run['build_s']:>8.1f}"
                f" {name:<14} {figures['p50']:>7.1f} {figures['p95']:>7.1f} {figures['queries']:>7}"
                f" {figures['p50'] / base:>14.1f}"
            )
        print(f"  (the measured program has {rows['in the program']:,} of the students)")
        for ms, sql in run["dashboard"]["slowest"]:
            print(f"  dashboard's slowest: {ms:7.1f} ms  {sql}")
    runs = result["runs"]
    flat = all(
        runs[0][name]["queries"] == run[name]["queries"] for run in runs for name in ("dashboard", "program page")
    )
    last = runs[-1]["dashboard"]["p95"]
    print(f"query counts the same at every size: {'yes' if flat else 'NO'}")
    print(
        f"target: dashboard p95 <= {TARGET_P95_MS} ms at {runs[-1]['size']:,} students: {last:.0f} ms -> "
        f"{'PASS' if last <= TARGET_P95_MS and flat else 'FAIL'}"
    )
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
