"""Benchmark: the special link /r/<code> and the friend's landing page under gunicorn, driven by wrk.

For SQLite (a file in a temp dir) and PostgreSQL (a fresh database, dropped and created again):
migrate, publish a program with a referral plan, enroll a graduate with an approved testimonial,
give them a link (referrals.services.link_for), then start `gunicorn cms.wsgi -w 2` with the
production settings and run wrk (-t2 -c16 --latency, a browser's User-Agent) for 10 s, two rounds
(--rounds; each figure sums its rounds), against:
  - /healthz: a bare Django view of the same project, one SELECT 1 (the baseline, same run; first in
    each round and again last, the ratios are to the mean of the two figures, the drift shows between),
  - /r/<code>: the click (link lookup, bot filter, the client's hashed network, one recorded click,
    cookie, 302). wrk sends no cookie and does not follow redirects, so every request is a new visitor
    and must be recorded. One User-Agent throughout: its robot verdict (crawlerdetect's patterns and
    our scanner names) is made once per worker and then cached; what a verdict costs uncached, for a
    User-Agent never seen before, is measured in-process first and printed,
  - /join/<code>/: the friend's landing page, with the visitor cookie the click set.
On PostgreSQL the click is run once more against a server with CLICK_DURABLE_COMMIT=true (each click
waits for the WAL flush; the default commits clicks asynchronously): no target, it shows the trade.
Clicks: no response may be other than 302, and the rows recorded during the run must lie between
the 302 responses wrk counted and the requests it sent (requests in flight when wrk stops are
still served and recorded, but not counted by wrk).

Targets: /r/<code> >= 0.5x the baseline with every click recorded; landing >= 0.3x.

Production settings as deployed, with STATIC_ROOT in the temp dir (collectstatic runs there first,
as a deployment would). Needs wrk: apt-get install -y wrk.

    .venv/bin/python bench/referral_clicks.py [--seconds 10] [--pg postgres://postgres@127.0.0.1:5432/bench_click]
                                    [--only sqlite|postgresql]
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import fresh_pg_database, settle_database  # noqa: E402 - after the path is set

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
VISITOR = "0123456789abcdef0123456789abcdef"  # the friend's browser cookie on the landing page
# Distinct User-Agents for the uncached robot verdict (each a browser build never seen before).
VERDICT_AGENTS = 2000
WORKERS, THREADS, CONNECTIONS = 2, 2, 16
TARGETS = {"click": 0.5, "landing": 0.3}

# Counts requests sent and responses per status; prints one JSON line when done.
WRK_SCRIPT = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) sent = 0; statuses = {} end
function request() sent = sent + 1; return wrk.request() end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local total, by_status, parts = 0, {}, {}
  for _, t in ipairs(threads) do
    total = total + t:get("sent")
    for s, n in pairs(t:get("statuses")) do by_status[s] = (by_status[s] or 0) + n end
  end
  for s, n in pairs(by_status) do table.insert(parts, string.format('"%d": %d', s, n)) end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "sent": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"non_2xx_3xx": %d, "socket_errors": %d, "status": {%s}}\n',
    summary.requests, summary.duration, total, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout, table.concat(parts, ", ")))
end
"""


# Production refuses any key the repository knows: one random key per bench run.
BENCH_SECRET_KEY = os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50)
# Production requires a shared cache (the landing page's facts, rate limits): the machine's Redis.
BENCH_CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/15")


def django_env(database_url: str, tmp: str, port: int = 8000) -> dict:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join([tmp, str(ROOT)]),
        DJANGO_SETTINGS_MODULE="bench_click_settings",
        SECRET_KEY=BENCH_SECRET_KEY,
        CACHE_URL=BENCH_CACHE_URL,
        EMAIL_PROVIDER="log",
        MAIL_LOG_PATH=os.path.join(tmp, "sent-mail.jsonl"),
        BASE_URL=f"http://127.0.0.1:{port}",
        SECURE="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        TASK_RUNNER="q2",
        LOG_LEVEL="WARNING",
    )
    return env


def write_settings(tmp: str) -> None:
    """cms.settings.production, with collectstatic's output in the temp dir instead of the checkout."""
    Path(tmp, "bench_click_settings.py").write_text(
        f"from cms.settings.production import *  # noqa: F403\n\nSTATIC_ROOT = {str(Path(tmp, 'static'))!r}\n"
    )


# --- Children (run with the bench settings) ----------------------------------------------------


def prepare() -> dict:
    """Migrate, then a published program with a referral plan, a graduate, a testimonial and a link."""
    import django

    django.setup()
    from datetime import date, timedelta

    from django.core.management import call_command
    from django.utils import timezone
    from wagtail.models import Locale, Page, Site

    from campaigns import services
    from campaigns.models import Milestone, ProgramPage
    from cms.models import HomePage
    from referrals.models import ReferralClick, ReferralPlan
    from referrals.services import link_for
    from testimonials.models import Consent, ModerationStatus, Testimonial

    call_command("migrate", verbosity=0)
    home = HomePage.objects.first()
    if home is None:
        Locale.objects.get_or_create(language_code="en")
        root = Page.get_first_root_node()
        home = root.add_child(instance=HomePage(title="Home", slug="home-bench"))
        Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})
    program = ProgramPage(
        slug="focus",
        title="Focused Kids",
        mission_statement="help families raise focused kids",
        mission_goal=1000,
        mission_unit="families",
        mission_deadline=date.today() + timedelta(days=900),
        mission_start_count=100,
        duration_days=30,
    )
    program.milestones.add(Milestone(slug="first-win", title="First win", day_offset=7, sort_order=0))
    home.add_child(instance=program)
    program.save_revision().publish()
    program = ProgramPage.objects.get(pk=program.pk)
    program.referral_plans.add(ReferralPlan())
    program.save_revision().publish()
    now = timezone.now()
    enrollment = services.student_enroll(
        email="maria@example.org",
        program=program,
        first_name="Maria",
        last_name="Lopez",
        marketing_consent=True,
        starts_at=now - timedelta(days=40),
        actor="bench",
        now=now - timedelta(days=41),
    )
    Testimonial.objects.create(
        student_id=enrollment.student_id,
        program=program,
        text="My son finishes his homework before dinner now, and we talk again.",
        consent=Consent.FIRST_NAME,
        status=ModerationStatus.APPROVED,
    )
    link = link_for(student_id=enrollment.student_id, program_id=program.pk)
    # The landing page's visitor came through /r/: recorded by the click's own statement.
    ReferralClick.objects.record(code=link.code, visitor=VISITOR)
    settle_database()
    return {"code": link.code}


def count_clicks() -> dict:
    import django

    django.setup()
    from referrals.models import ReferralClick

    return {"clicks": ReferralClick.objects.count()}


def child(command: str, env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", command], check=True, capture_output=True, text=True, env=env, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- The server and wrk ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict, port: int, log_path: str) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "cms.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    stop_gunicorn(process)
    sys.exit(f"gunicorn did not answer /healthz; its log:\n{Path(log_path).read_text()[-3000:]}")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # the arbiter stops its workers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_wrk(url: str, seconds: int, script: str, cookie: str = "") -> dict:
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", script]
    command += ["-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    result = json.loads(line[len("BENCH ") :])
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def merge_runs(runs: list[dict]) -> dict:
    """Several wrk runs of one endpoint as one: counts summed, rate over the total time, the mean p50
    and the worst p99."""
    merged = {key: sum(run[key] for run in runs) for key in ("requests", "duration_us", "sent", "non_2xx_3xx")}
    merged["socket_errors"] = sum(run["socket_errors"] for run in runs)
    merged["p50_us"] = sum(run["p50_us"] for run in runs) / len(runs)
    merged["p99_us"] = max(run["p99_us"] for run in runs)
    merged["status"] = {}
    for run in runs:
        for status, count in run["status"].items():
            merged["status"][status] = merged["status"].get(status, 0) + count
    if all("recorded" in run for run in runs):
        merged["recorded"] = sum(run["recorded"] for run in runs)
    merged["rate"] = merged["requests"] / (merged["duration_us"] / 1e6)
    merged["rounds"] = [round(run["rate"]) for run in runs]
    return merged


def bench_database(name: str, database_url: str, tmp: str, script: str, seconds: int, rounds: int) -> dict:
    port = free_port()
    env = django_env(database_url, tmp, port)
    code = child("prepare", env)["code"]
    server = start_gunicorn(env, port, os.path.join(tmp, f"gunicorn-{name}.log"))
    try:
        base = f"http://127.0.0.1:{port}"
        # Rounds of baseline, click, landing, then the baseline once more: each figure is the sum of
        # its rounds (one 10 s run on a shared machine swings by ±0.1), the baselines' mean is the
        # yardstick and the gap between the first and the last baseline shows the drift.
        urls = {
            "baseline": (f"{base}/healthz", ""),
            "click": (f"{base}/r/{code}", ""),
            "landing": (f"{base}/join/{code}/", f"rv={VISITOR}"),
        }
        runs: dict[str, list[dict]] = {endpoint: [] for endpoint in urls}
        for _ in range(rounds):
            for endpoint, (url, cookie) in urls.items():
                run_wrk(url, 2, script, cookie)  # warm-up: imports, templates, connections
                before = child("count", env)["clicks"] if endpoint == "click" else 0
                result = run_wrk(url, seconds, script, cookie)
                if endpoint == "click":
                    time.sleep(1)  # requests in flight when wrk stopped
                    result["recorded"] = child("count", env)["clicks"] - before
                runs[endpoint].append(result)
        results = {endpoint: merge_runs(endpoint_runs) for endpoint, endpoint_runs in runs.items()}
        results["baseline_after"] = run_wrk(f"{base}/healthz", seconds, script)
    finally:
        stop_gunicorn(server)
    if name == "PostgreSQL":
        # What the click's asynchronous commit buys: the same click, waiting for the WAL flush.
        env = {**env, "CLICK_DURABLE_COMMIT": "true"}
        server = start_gunicorn(env, port, os.path.join(tmp, f"gunicorn-{name}-durable.log"))
        try:
            url = f"http://127.0.0.1:{port}/r/{code}"
            run_wrk(url, 2, script)
            before = child("count", env)["clicks"]
            results["click_durable"] = run_wrk(url, seconds, script)
            time.sleep(1)
            results["click_durable"]["recorded"] = child("count", env)["clicks"] - before
        finally:
            stop_gunicorn(server)
    return results


def verdict_costs() -> dict:
    """What deciding "robot or person" costs per click: for a User-Agent never seen before (crawlerdetect's
    patterns run) and for one seen before (the cached verdict), in microseconds, in this process."""
    from campaigns import bots

    agents = [f"{USER_AGENT} Build/{n}" for n in range(VERDICT_AGENTS)]
    bots.is_robot_agent.cache_clear()
    bots.is_bot_visit(method="GET", user_agent="warm-up: compiles the patterns")
    started = time.perf_counter()
    for agent in agents:
        bots.is_bot_visit(method="GET", user_agent=agent)
    uncached = (time.perf_counter() - started) / len(agents) * 1e6
    started = time.perf_counter()
    for _ in range(5):
        for agent in agents:
            bots.is_bot_visit(method="GET", user_agent=agent)
    cached = (time.perf_counter() - started) / (5 * len(agents)) * 1e6
    return {"uncached_us": uncached, "cached_us": cached}


# --- Report --------------------------------------------------------------------------------------


def check_clicks(label: str, click: dict) -> bool:
    """Every response a 302, and the rows recorded between the 302s wrk counted and the requests sent."""
    answered = click["status"].get("302", 0)
    counted = click["requests"] - click["non_2xx_3xx"]
    all_302 = answered == click["requests"] and click["socket_errors"] == 0
    in_range = answered <= click["recorded"] <= click["sent"]
    mark = "✓" if all_302 and in_range else "✗"
    print(
        f"{label}: wrk counted {counted:,} 3xx responses ({answered:,} were 302) of {click['sent']:,} requests sent;"
        f" {click['recorded']:,} clicks recorded ({click['recorded'] - answered} served after wrk stopped counting)"
        f" {mark}"
    )
    if not all_302:
        print(f"  status codes of /r/<code>: {click['status']}")
    return mark == "✓"


def report(name: str, results: dict) -> bool:
    base = (results["baseline"]["rate"] + results["baseline_after"]["rate"]) / 2
    seconds = results["baseline_after"]["duration_us"] / 1e6
    rounds = len(results["baseline"].get("rounds", [1]))
    print(
        f"\n{name}: gunicorn -w {WORKERS}, wrk -t{THREADS} -c{CONNECTIONS}, {rounds} x {seconds:.0f} s per endpoint;"
        f" x baseline = against the mean of the /healthz rounds and the last /healthz ({base:.0f} req/s)"
    )
    print(f"{'endpoint':<30} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'x baseline':>11} {'target':>7} {'met?':>5}")
    labels = {
        "baseline": "/healthz (baseline, rounds)",
        "baseline_after": "/healthz (baseline, last)",
        "click": "/r/<code> (click, 302)",
        "landing": "/join/<code>/ (landing)",
        "click_durable": "/r/<code>, durable commit",
    }
    ok = True
    for endpoint, result in results.items():
        ratio = result["rate"] / base
        target = TARGETS.get(endpoint)
        met = "" if target is None else ("yes" if ratio >= target else "NO")
        ok &= met != "NO"
        print(
            f"{labels[endpoint]:<30} {result['rate']:>8.0f} {result['p50_us'] / 1000:>7.1f}"
            f" {result['p99_us'] / 1000:>7.1f} {ratio:>11.2f} {'' if target is None else f'>= {target}':>7} {met:>5}"
            + (f"   rounds: {', '.join(map(str, result['rounds']))} req/s" if len(result.get("rounds", [])) > 1 else "")
        )
        bad = result["non_2xx_3xx"] + result["socket_errors"]
        if bad:
            print(
                f"  {endpoint}: {result['non_2xx_3xx']} non-2xx/3xx responses, {result['socket_errors']} socket errors"
            )
    marks = [
        check_clicks(label, results[key])
        for key, label in (("click", "clicks"), ("click_durable", "durable"))
        if key in results
    ]
    return ok and all(marks)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each endpoint, summed")
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/bench_click")
    )
    parser.add_argument(
        "--only", choices=["sqlite", "postgresql"], help="one database (e.g. SQLite when PostgreSQL is busy)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(prepare() if args.child == "prepare" else count_clicks()))
        return
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk (Debian package), then run this again.")
        sys.exit(2)

    costs = verdict_costs()
    print(
        f"robot-or-person verdict per click: {costs['uncached_us']:.0f} µs for a User-Agent never seen before"
        f" (crawlerdetect), {costs['cached_us']:.1f} µs cached"
    )
    verdicts = {}
    with tempfile.TemporaryDirectory() as tmp:
        write_settings(tmp)
        script = os.path.join(tmp, "count.lua")
        Path(script).write_text(WRK_SCRIPT)
        env = django_env(f"sqlite:///{tmp}/collect.sqlite3", tmp)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], check=True, env=env, cwd=ROOT
        )
        runs = [] if args.only == "postgresql" else [("SQLite", f"sqlite:///{tmp}/bench.sqlite3")]
        if args.only == "sqlite":
            pass
        elif fresh_pg_database(args.pg):
            runs.append(("PostgreSQL", args.pg))
        else:
            print(f"PostgreSQL not reachable at {args.pg}: skipped")
        for name, url in runs:
            try:
                verdicts[name] = report(name, bench_database(name, url, tmp, script, args.seconds, args.rounds))
            finally:
                if name == "PostgreSQL":
                    fresh_pg_database(url, drop_only=True)
    print()
    for name, ok in verdicts.items():
        print(f"{name}: targets and click count -> {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
