"""Benchmark: 20,000 outbox messages rendered and handed to anymail's test backend by one
worker process, on SQLite and on PostgreSQL, one call per message and batched (anymail's
batch send, MAIL_BATCH_SIZE recipients per call). Target: >= 1,000 messages/second.

The backend is anymail's test backend with an O(1) message id (bench/fast_test_backend.py).
Baseline, measured in the same run: the same 20,000 messages rendered and handed to the
same backend with no database at all (the floor our outbox bookkeeping adds to), one call
per message, and batched.

    .venv/bin/python bench/send.py [--messages 20000] [--pg postgres://postgres@127.0.0.1:5432/bench_send]
                                   [--now 2026-12-01T23:30:00+00:00]

It measures sending, not the policy that defers marketing mail (tests/mailers/test_policy.py covers
that): quiet hours are off in its environment, so it gives the same figures at any hour. ``--now``
runs it on a chosen clock instead of the wall clock (e.g. to check it at 23:30).
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import fresh_pg_database  # noqa: E402 - after the path is set

CONTEXT = {
    "subject": "A milestone worth sharing, {{ first_name }}",
    "body": "Hi {{ first_name }},\n\nYou reached a real win in {{ program_title }} this week.\n\n"
    "Who is one person you would like to tell how it felt?",
    "program_title": "Focused Kids",
}


BATCH_FORMAT, BATCH_SIZE = "%recipient.{}%", "500"  # Mailgun's merge syntax; the default size


def setup(database_url: str, batched: bool = False) -> None:
    os.environ.update(
        MAIL_BATCH_MERGE_FORMAT=BATCH_FORMAT if batched else "off",
        MAIL_BATCH_SIZE=BATCH_SIZE,
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        # Production refuses any key the repository knows, and runs only with a shared cache (this
        # bench never reaches it: sending uses no cache).
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        CACHE_URL=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/15"),
        SECURE="false",
        BASE_URL="http://127.0.0.1:8000",
        DATABASE_URL=database_url,
        EMAIL_BACKEND="bench.fast_test_backend.EmailBackend",
        LOG_LEVEL="WARNING",
        ALLOWED_HOSTS="127.0.0.1",
        # Before: run between 21:00 and 08:00, every message was deferred to the morning and the
        # bench failed. Quiet hours are a policy decision, not part of what is measured here.
        MAIL_QUIET_START="00:00",
        MAIL_QUIET_END="00:00",
    )
    import django

    django.setup()


def run_outbox(database_url: str, n: int, batched: bool, now: datetime | None = None) -> dict:
    setup(database_url, batched)
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from mailers import sending
    from mailers.models import Contact, Message, Status

    call_command("migrate", verbosity=0)
    Message.objects.all().delete()
    Contact.objects.all().delete()
    now = now or timezone.now()
    # As message_queue would have left them: a contact row per recipient, the messages queued.
    Contact.objects.bulk_create([Contact(email=f"student{i}@example.org") for i in range(n)], batch_size=2000)
    Message.objects.bulk_create(
        [
            Message(
                idempotency_key=f"bench-{i}",
                kind="announcement",
                category="program",
                to_email=f"student{i}@example.org",
                to_name=f"Student {i}",
                context=CONTEXT,
                next_attempt_at=now,
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    mail.outbox = []
    started = time.perf_counter()
    counts = sending.send(now=now)
    seconds = time.perf_counter() - started
    sent = Message.objects.filter(status=Status.SENT).count()
    recipients = sum(len(email.to) for email in mail.outbox)
    assert counts.get("sent") == n == sent == recipients, f"not every message was sent: {dict(counts)}"
    return {"vendor": connection.vendor, "seconds": seconds, "rate": n / seconds, "calls": len(mail.outbox)}


def run_baseline(n: int, batched: bool) -> dict:
    setup("sqlite:///:memory:", batched)
    from django.core import mail
    from django.core.mail import get_connection

    from mailers import batching, rendering, sending
    from mailers.models import Message
    from mailers.outcomes import Outcome

    messages = [
        Message(
            pk=i,
            idempotency_key=f"b-{i}",
            kind="announcement",
            category="program",
            to_email=f"student{i}@example.org",
            to_name=f"Student {i}",
            context=CONTEXT,
        )
        for i in range(n)
    ]
    mail.outbox = []
    started = time.perf_counter()
    with get_connection() as connection:
        if batched:  # in chunks, as the sender claims them
            chunk = int(os.environ.get("MAIL_SEND_CHUNK", 500))
            for start in range(0, n, chunk):
                outcome = Outcome()
                rest = batching.deliver(
                    messages[start : start + chunk], now=None, connection=connection, outcome=outcome, deadline=None
                )
                assert not rest and len(outcome.sent) == len(messages[start : start + chunk])
        else:
            for message in messages:
                rendered = rendering.render(
                    kind_name=message.kind, to_email=message.to_email, to_name=message.to_name, context=message.context
                )
                sending.build_email(message, rendered, connection).send()
    seconds = time.perf_counter() - started
    assert sum(len(email.to) for email in mail.outbox) == n
    return {"vendor": "none", "seconds": seconds, "rate": n / seconds, "calls": len(mail.outbox)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/bench_send"))
    parser.add_argument(
        "--now", type=_aware, help="the clock the run uses, ISO 8601 with a UTC offset (default: the wall clock)"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, mode, *rest = args.child
        batched = mode == "batched"
        if kind == "baseline":
            result = run_baseline(args.messages, batched)
        else:
            result = run_outbox(rest[0], args.messages, batched, args.now)
        print(json.dumps(result))
        return

    n = [str(args.messages)] + (["--now", args.now.isoformat()] if args.now else [])
    rows = [("render + send, no database (baseline)", _child(["baseline", "single"], n))]
    rows.append((f"  batched ({BATCH_SIZE}/call), no database", _child(["baseline", "batched"], n)))
    for mode in ("single", "batched"):
        label = "" if mode == "single" else f", batched ({BATCH_SIZE}/call)"
        with tempfile.TemporaryDirectory() as tmp:
            rows.append((f"outbox on SQLite{label}", _child(["outbox", mode, f"sqlite:///{tmp}/bench.sqlite3"], n)))
        if not args.pg:
            print("PostgreSQL: skipped (--pg is empty)")
        elif fresh_pg_database(args.pg):
            rows.append((f"outbox on PostgreSQL{label}", _child(["outbox", mode, args.pg], n)))
        else:
            print(f"PostgreSQL not reachable at {args.pg}: skipped")
    base = rows[0][1]["rate"]
    clock = f" at {args.now.isoformat()}" if args.now else ""
    print(f"{args.messages:,} messages, one process, anymail test backend{clock}")
    print(f"{'run':<44} {'calls':>6} {'seconds':>8} {'msg/s':>8} {'x baseline':>11} {'target 1000/s':>14}")
    for name, result in rows:
        verdict = "" if result["vendor"] == "none" else ("PASS" if result["rate"] >= 1000 else "FAIL")
        print(
            f"{name:<44} {result['calls']:>6} {result['seconds']:>8.2f} {result['rate']:>8.0f}"
            f" {result['rate'] / base:>11.2f} {verdict:>14}"
        )


def _aware(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} has no UTC offset (e.g. 2026-12-01T23:30:00+00:00)")
    return moment


def _child(args: list[str], options: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--messages", *options, "--child", *args], capture_output=True, text=True
    )
    if out.returncode:
        # The child's own error (e.g. which messages were not sent), not just "exit status 1".
        sys.exit(f"bench child {' '.join(args)} failed:\n{out.stderr.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
