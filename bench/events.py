"""Benchmark: the signed events API under gunicorn, then one Celery worker processing what it accepted.

For SQLite (a file in a temp dir) and PostgreSQL (a fresh database, dropped and created again): migrate,
publish a program, start a redis-server of the bench's own (the broker) and `gunicorn cms.wsgi -w 2`
with the production settings, then two runs, each measured against /healthz in the same run (the same
16 clients, the same server; before and after, the ratio is to the mean of the two):
  - enrollments: N signed `enrollment.created` events (N new students) posted by 16 concurrent
    clients (4 processes x 4 threads, keep-alive connections, signed before the clock starts);
  - mix: N events, half `milestone.reached` for the students of the first run, half `purchase.completed`
    (a new order each, by those students).
Before each run the database is settled (PostgreSQL: VACUUM ANALYZE and a CHECKPOINT; SQLite: a WAL
checkpoint), so the last run's processing does not write itself out during this one's measurement.
No worker runs while the clients post (the tasks wait on the broker); then one worker
(`celery -A cms worker --pool=solo`) is started and processes the lot: each event's task is a batch pass
(up to EVENTS_BATCH_SIZE pending events in one transaction, new students' enrollments set-based), so
the tasks after it find their events done. processed/s is N over the span from the first batch's start
(the time on the journey it wrote) to the last event's `processed_at` (the worker's start-up is not
counted). After each run every event must be processed, N students must exist and none twice (and a purchase per order).

Targets: accepted >= 0.5x /healthz on both databases; processed >= 500 events/s per worker on PostgreSQL.

    .venv/bin/python bench/events.py [--events 20000] [--pg postgres://postgres@127.0.0.1:5432/bench_events]
                                     [--only sqlite|postgresql]
"""

import argparse
import base64
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import fresh_pg_database, settle_database  # noqa: E402 - after the path is set

WORKERS = 2
PROCESSES, THREADS = 4, 4  # 16 concurrent clients
TARGETS = {"accepted": 0.5, "processed": 500}
PROGRAM = "bench"
WARM = 200  # warm-up enrollments (their own students), before the first run
# Production refuses any key the repository knows: one random key (and events secret) per bench run.
BENCH_SECRET_KEY = os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50)
EVENTS_SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
# Production requires a shared cache (rate limits): the machine's Redis, as bench/referral_clicks.py.
BENCH_CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/15")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def django_env(database_url: str, tmp: str, broker_url: str, port: int = 8000) -> dict:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join([tmp, str(ROOT)]),
        DJANGO_SETTINGS_MODULE="bench_events_settings",
        SECRET_KEY=BENCH_SECRET_KEY,
        CACHE_URL=BENCH_CACHE_URL,
        EMAIL_PROVIDER="log",
        MAIL_LOG_PATH=os.path.join(tmp, "sent-mail.jsonl"),
        BASE_URL=f"http://127.0.0.1:{port}",
        SECURE="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        TASK_RUNNER="celery",
        CELERY_BROKER_URL=broker_url,
        EVENTS_API_SECRET=EVENTS_SECRET,
        # Only the worker's tasks: no periodic pass or tick takes events while it is measured.
        EVENTS_PENDING_GRACE_SECONDS="86400",
        LOG_LEVEL="WARNING",
    )
    return env


def write_settings(tmp: str) -> None:
    """cms.settings.production, with collectstatic's output in the temp dir instead of the checkout."""
    Path(tmp, "bench_events_settings.py").write_text(
        f"from cms.settings.production import *  # noqa: F403\n\nSTATIC_ROOT = {str(Path(tmp, 'static'))!r}\n"
    )


# --- Children (run with the bench settings) ----------------------------------------------------


def prepare() -> dict:
    """Migrate, then a published program with two milestones."""
    import django

    django.setup()
    from datetime import date, timedelta

    from django.core.management import call_command
    from wagtail.models import Locale, Page, Site

    from campaigns.models import Milestone, ProgramPage
    from cms.models import HomePage

    call_command("migrate", verbosity=0)
    home = HomePage.objects.first()
    if home is None:
        Locale.objects.get_or_create(language_code="en")
        home = Page.get_first_root_node().add_child(instance=HomePage(title="Home", slug="home-bench"))
        Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})
    program = ProgramPage(
        slug=PROGRAM,
        title="Bench program",
        mission_statement="help families raise focused kids",
        mission_goal=100000,
        mission_unit="families",
        mission_deadline=date.today() + timedelta(days=900),
        mission_start_count=0,
        duration_days=30,
    )
    program.milestones.add(Milestone(slug="first-win", title="First win", day_offset=7, sort_order=0))
    program.milestones.add(Milestone(slug="halfway", title="Halfway", day_offset=15, sort_order=1))
    home.add_child(instance=program)
    program.save_revision().publish()
    settle_database()
    # The cache's Redis database outlives a run: a wake-up flag left by an earlier one (its pass never
    # consumed, as its broker went with it) would make this run's events wait for the periodic pass.
    from django.core.cache import cache

    from integrations.tasks import QUEUED_RUN_FLAG

    cache.delete(QUEUED_RUN_FLAG)
    return {}


def settle() -> dict:
    """Between the worker's processing and the next measured run: its writes' checkpoint and vacuum."""
    import django

    django.setup()
    settle_database(vacuum=True)
    return {}


def count() -> dict:
    import django

    django.setup()
    from django.db.models import Count, Max, Min

    from campaigns.models import Enrollment, JourneyEvent, Student
    from integrations.models import InboundEvent, Outcome, Purchase

    accepted = InboundEvent.objects.filter(accepted=True)
    by_outcome = dict(accepted.values_list("outcome").annotate(n=Count("id")))
    prefix = f"{os.environ.get('BENCH_RUN', '')}-"
    run = accepted.filter(outcome=Outcome.PROCESSED, external_id__startswith=prefix)
    span = run.aggregate(first=Min("processed_at"), last=Max("processed_at"))
    # A batch pass stamps its events when their writes are done; the journey it wrote carries the time it
    # began, so the first batch's own time is counted.
    began = JourneyEvent.objects.filter(actor__startswith=f"api:{prefix}").aggregate(first=Min("occurred_at"))
    if began["first"] and span["first"]:
        span["first"] = min(span["first"], began["first"])
    doubled = Student.objects.values("email").annotate(n=Count("id")).filter(n__gt=1).count()
    return {
        "outcomes": by_outcome,
        "students": Student.objects.count(),
        "students_twice": doubled,
        "enrollments": Enrollment.objects.count(),
        "purchases": Purchase.objects.count(),
        "first": span["first"].timestamp() if span["first"] else None,
        "last": span["last"].timestamp() if span["last"] else None,
    }


def child(command: str, env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", command], check=True, capture_output=True, text=True, env=env, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- The clients ---------------------------------------------------------------------------------


def events(kind: str, n: int, run: str, people: str = "student") -> list[tuple[str, bytes]]:
    """(webhook-id, body) for each event of a run; the mix is about the students of the enrollments."""
    out = []
    for i in range(n):
        email = f"{people}{i}@example.org"
        if kind == "enrollments":
            data = {
                "type": "enrollment.created",
                "data": {"student": {"email": email, "first_name": f"S{i}"}, "program": PROGRAM},
            }
        elif i % 2:
            data = {"type": "milestone.reached", "data": {"email": email, "program": PROGRAM, "milestone": "first-win"}}
        else:
            data = {
                "type": "purchase.completed",
                "data": {
                    "order_id": f"order-{i}",
                    "email": email,
                    "program": PROGRAM,
                    "amount": "49.00",
                    "currency": "EUR",
                },
            }
        out.append((f"{run}-{i}", json.dumps(data).encode()))
    return out


def client_process(port: int, requests: list[tuple[str, bytes]] | int, threads: int) -> dict:
    """``threads`` keep-alive clients; ``requests`` are signed events to POST, or a count of GET /healthz."""
    from datetime import UTC, datetime

    from standardwebhooks.webhooks import Webhook

    if isinstance(requests, int):
        work = [None] * requests
    else:
        wh, now = Webhook(EVENTS_SECRET), datetime.now(tz=UTC)
        stamp = str(int(now.timestamp()))
        work = [
            (
                body,
                {
                    "webhook-id": msg_id,
                    "webhook-timestamp": stamp,
                    "webhook-signature": wh.sign(msg_id, now, body.decode()),
                    "Content-Type": "application/json",
                },
            )
            for msg_id, body in requests
        ]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def run(share):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, codes = [], {}
        barrier.wait()
        for item in share:
            started = time.perf_counter()
            if item is None:
                conn.request("GET", "/healthz")
            else:
                conn.request("POST", "/api/v1/events", body=item[0], headers=item[1])
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            codes[response.status] = codes.get(response.status, 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine)
            for code, k in codes.items():
                statuses[code] = statuses.get(code, 0) + k

    pool = [threading.Thread(target=run, args=(work[t::threads],)) for t in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return {"seconds": time.perf_counter() - started, "latencies": latencies, "statuses": statuses}


def load(port: int, requests: list | int) -> dict:
    """16 clients (PROCESSES x THREADS) through ``requests``; the rate over the slowest process's time."""
    if isinstance(requests, int):
        shares = [requests // PROCESSES + (p < requests % PROCESSES) for p in range(PROCESSES)]
    else:
        shares = [requests[p::PROCESSES] for p in range(PROCESSES)]
    with ProcessPoolExecutor(PROCESSES) as pool:
        results = list(pool.map(client_process, [port] * PROCESSES, shares, [THREADS] * PROCESSES))
    latencies = sorted(x for r in results for x in r["latencies"])
    statuses: dict[int, int] = {}
    for r in results:
        for code, k in r["statuses"].items():
            statuses[code] = statuses.get(code, 0) + k
    seconds = max(r["seconds"] for r in results)
    return {
        "requests": len(latencies),
        "rate": len(latencies) / seconds,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "statuses": statuses,
    }


# --- Servers --------------------------------------------------------------------------------------


def start(args: list[str], env: dict, log_path: str) -> subprocess.Popen:
    with open(log_path, "w") as log:
        return subprocess.Popen(args, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_redis(tmp: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = start(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        dict(os.environ),
        os.path.join(tmp, f"redis-{port}.log"),
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    sys.exit("redis-server did not start")


def start_gunicorn(env: dict, port: int, log_path: str) -> subprocess.Popen:
    process = start(
        [str(ROOT / ".venv/bin/gunicorn"), "cms.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}"], env, log_path
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    sys.exit(f"gunicorn did not answer /healthz; its log:\n{Path(log_path).read_text()[-3000:]}")


def process_all(env: dict, tmp: str, name: str, expected: int) -> dict:
    """One worker (solo pool: one process, one task at a time) until every accepted event is processed."""
    worker = start(
        [str(ROOT / ".venv/bin/celery"), "-A", "cms", "worker", "--pool=solo", "--loglevel=WARNING"],
        env,
        os.path.join(tmp, f"worker-{name}.log"),
    )
    try:
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            time.sleep(2)
            counts = child("count", env)
            if counts["outcomes"].get("processed", 0) >= expected or worker.poll() is not None:
                break
    finally:
        stop(worker)
    return counts


def bench_database(name: str, database_url: str, tmp: str, n: int) -> dict:
    redis, broker = start_redis(tmp)
    port = free_port()
    env = django_env(database_url, tmp, broker, port)
    results: dict = {}
    try:
        child("prepare", env)
        server = start_gunicorn(env, port, os.path.join(tmp, f"gunicorn-{name}.log"))
        try:
            load(port, 500)  # warm-up: imports, connections
            load(port, events("enrollments", WARM, "warm", people="warm"))
            expected = WARM
            for run in ("enrollments", "mix"):
                batch = events(run, n, run)
                child("settle", env)
                before = load(port, n)
                accepted = load(port, batch)
                after = load(port, n)
                expected += n
                counts = process_all({**env, "BENCH_RUN": run}, tmp, f"{name}-{run}", expected)
                results[run] = {"healthz": [before, after], "accepted": accepted, "counts": counts}
        finally:
            stop(server)
    finally:
        stop(redis)
    return results


# --- Report ------------------------------------------------------------------------------------


def report(name: str, n: int, results: dict) -> bool:
    ok = True
    print(f"\n{name}: gunicorn -w {WORKERS}, {PROCESSES * THREADS} clients, {n:,} events per run, one worker (solo)")
    print(
        f"{'run':<13} {'endpoint':<22} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'x /healthz':>10}"
        f" {'target':>7} {'met?':>5}"
    )
    previous_students = WARM
    for run, result in results.items():
        before, after = result["healthz"]
        base = (before["rate"] + after["rate"]) / 2
        accepted = result["accepted"]
        ratio = accepted["rate"] / base
        met = ratio >= TARGETS["accepted"] and accepted["statuses"] == {202: n}
        ok &= met
        for label, figures in (("/healthz, before", before), ("/healthz, after", after)):
            print(f"{run:<13} {label:<22} {figures['rate']:>8.0f} {figures['p50_ms']:>7.1f} {figures['p99_ms']:>7.1f}")
        print(
            f"{run:<13} {'POST /api/v1/events':<22} {accepted['rate']:>8.0f} {accepted['p50_ms']:>7.1f}"
            f" {accepted['p99_ms']:>7.1f} {ratio:>10.2f} {'>= 0.5':>7} {'yes' if met else 'NO':>5}"
        )
        if accepted["statuses"] != {202: n}:
            print(f"  answers: {accepted['statuses']} (every one should be 202)")
        counts = result["counts"]
        span = (counts["last"] or 0) - (counts["first"] or 0)
        processed = counts["outcomes"].get("processed", 0)
        rate = n / span if span > 0 else float("nan")
        target = TARGETS["processed"] if name == "PostgreSQL" else None
        met = target is None or rate >= target
        ok &= met
        print(
            f"{run:<13} {'processed by 1 worker':<22} {rate:>8.0f} {'':>7} {'':>7} {'':>10}"
            f" {'' if target is None else f'>= {target}':>7} {'' if target is None else ('yes' if met else 'NO'):>5}"
        )
        others = {k: v for k, v in counts["outcomes"].items() if k != "processed"}
        students_ok = counts["students"] == previous_students + n and counts["students_twice"] == 0
        if run == "mix":
            students_ok = counts["students"] == previous_students and counts["students_twice"] == 0
        ok &= students_ok and not others
        print(
            f"  {processed:,} events processed{f', others: {others}' if others else ''};"
            f" {counts['students']:,} students ({counts['students_twice']} twice), {counts['purchases']:,} purchases"
            f" {'✓' if students_ok and not others else '✗'}"
        )
        previous_students = counts["students"]
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000, help="events per run (e.g. 2000 for a quick run)")
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/bench_events")
    )
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps({"prepare": prepare, "count": count, "settle": settle}[args.child]()))
        return
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is not installed: apt-get install -y redis-server")
    verdicts = {}
    with tempfile.TemporaryDirectory() as tmp:
        write_settings(tmp)
        env = django_env(f"sqlite:///{tmp}/collect.sqlite3", tmp, "redis://127.0.0.1:1/0")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], check=True, env=env, cwd=ROOT
        )
        runs = [] if args.only == "postgresql" else [("SQLite", f"sqlite:///{tmp}/bench.sqlite3")]
        if args.only != "sqlite":
            if fresh_pg_database(args.pg):
                runs.append(("PostgreSQL", args.pg))
            else:
                print(f"PostgreSQL not reachable at {args.pg}: skipped")
        for name, url in runs:
            try:
                verdicts[name] = report(name, args.events, bench_database(name, url, tmp, args.events))
            finally:
                if name == "PostgreSQL":
                    fresh_pg_database(url, drop_only=True)
    print(f"\nmachine: {os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for name, ok in verdicts.items():
        print(f"{name}: targets and counts -> {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
