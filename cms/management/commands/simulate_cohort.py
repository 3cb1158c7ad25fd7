import json

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from campaigns.models import ProgramPage
from campaigns.simulation import simulate_cohort
from integrations import signing
from integrations.simulation import ApiError, ApiPlatform, ServicesPlatform


class Command(BaseCommand):
    """Lives in cms (the top layer) because ``--via api`` drives the integrations app's events API."""

    help = (
        "Enroll N synthetic students in a program through the engine's services (or, --via api, through "
        "signed posts to the events API), advance simulated time day by day through the tick and past the "
        "refund hold, and print the funnel of stages reached and what became of the friends' purchases and "
        "registrations (held, refused by reason, released, revoked). Rolled back afterwards unless --keep."
    )

    def add_arguments(self, parser):
        parser.add_argument("--program", required=True, help="slug of a live program, e.g. demo")
        parser.add_argument("--students", required=True, type=int, help="how many synthetic students (1-100000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same funnel")
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
        parser.add_argument("--keep", action="store_true", help="keep the synthetic students in the database")
        parser.add_argument(
            "--via",
            choices=["services", "api"],
            default="services",
            help="api: the platform's enrollments, milestones, withdrawals, purchases and refunds are signed POSTs "
            "to /api/v1/events",
        )
        parser.add_argument(
            "--api-url",
            default="",
            help="with --via api: post to this server (e.g. http://127.0.0.1:8000; it must use this database) "
            "instead of in-process; needs --keep, as what the server stored cannot be rolled back",
        )

    def handle(self, *args, program, students, seed, json, keep, via, api_url, **options):
        if not 1 <= students <= 100_000:
            raise CommandError("--students must be between 1 and 100000")
        if api_url and via != "api":
            raise CommandError("--api-url goes with --via api")
        if api_url and not keep:
            raise CommandError("--api-url needs --keep: the server commits what it stores, a rollback cannot undo it")
        if api_url and not api_url.startswith(("http://", "https://")):
            raise CommandError(f"--api-url must be an http:// or https:// address, not {api_url!r}")
        _require_migrated()
        page = ProgramPage.objects.live().filter(slug=program).first()
        if page is None:
            known = ", ".join(ProgramPage.objects.live().values_list("slug", flat=True)) or "none"
            raise CommandError(f"no live program with slug {program!r} (live programs: {known})")
        platform = ServicesPlatform()
        if via == "api":
            try:
                platform = ApiPlatform(api_url=api_url)
            except signing.SecretMissing as exc:
                raise CommandError(f"--via api signs with EVENTS_API_SECRET: {exc}") from None
        try:
            result = simulate_cohort(program=page, students=students, seed=seed, keep=keep, platform=platform)
        except ApiError as exc:
            raise CommandError(f"the events API: {exc}") from None
        if json:
            self.stdout.write(_json_dumps(result.as_json()))
            return
        self.stdout.write(f"{page.title} — {students} simulated students, seed {seed}, {result.ticks} daily ticks")
        width = max(len(stage) for stage in result.stages)
        for stage, count in result.stages.items():
            bar = "█" * round(40 * count / students) if students else ""
            self.stdout.write(f"  {stage:<{width}}  {count:>7}  {bar}")
        conversions = result.reports.get("conversions")
        if conversions is not None:
            for line in _conversion_lines(conversions):
                self.stdout.write(line)
        if via == "api":
            posted = ", ".join(f"{n} {kind}" for kind, n in platform.posted.items())
            self.stdout.write(f"through the events API ({api_url or 'in-process'}): {posted}, each answered 202")
        if keep:
            self.stdout.write(
                f"kept in the database as cohort {result.cohort}: its students are marked simulated, are never "
                "emailed, and stay out of the queues, counts and mission progress"
            )


REASON_LABELS = {
    "not_first": "not the first",
    "self_referral": "self-referral",
    "was_student": "already a student",
    "was_lead": "already registered",
    "disposable": "disposable address",
    "link_revoked": "link revoked",
    "cap": "over the cap",
    "lead_outside_window": "outside the window",
}


def _conversion_lines(c: dict) -> list[str]:
    """The friends' conversions, as the conversions code judged them by the end of the run."""
    refused = ", ".join(f"{REASON_LABELS.get(code, code)} {n}" for code, n in c["refused_by_reason"].items())
    rows = [
        (
            "held",
            c["held"],
            "in the refund hold" + (f"; for review: {c['held_for_review']}" if c["held_for_review"] else ""),
        ),
        ("refused", c["refused"], f"by reason: {refused}" if refused else ""),
        ("released", c["released"], f"after the hold; thank-yous released: {c['thank_yous_released']}"),
        ("revoked", c["revoked"], f"refunded after release; thank-yous revoked: {c['thank_yous_revoked']}"),
        ("cancelled", c["cancelled"], "refunded during the hold"),
    ]
    if c["unattributed"]:
        rows.append(("unattributed", c["unattributed"], ""))
    lines = [
        f"friends' conversions: {c['conversions']} ({c['purchases']} purchases, {c['registrations']} free "
        f"registrations); orders reported: {c['orders_reported']}, {c['orders_reported_twice']} of them twice "
        f"(counted once); refunds reported: {c['refunds_reported']}"
    ]
    lines += [f"  {label:<12}  {n:>7}  {note}".rstrip() for label, n, note in rows]
    return lines


def _require_migrated() -> None:
    """On a database that was never (or not fully) migrated, say what to run instead of a traceback."""
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise CommandError(
            f"cannot read the database ({exc}); check DATABASE_URL, then run: manage.py migrate"
        ) from None
    if pending:
        raise CommandError(
            f"the database is not set up yet ({len(pending)} migrations not applied): "
            "run `manage.py migrate` first (and `manage.py load_demo` for the demo program)"
        )


def _json_dumps(value) -> str:
    return json.dumps(value)
