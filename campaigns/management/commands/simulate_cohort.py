import json

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from campaigns.models import ProgramPage
from campaigns.simulation import simulate_cohort


class Command(BaseCommand):
    help = (
        "Enroll N synthetic students in a program through the engine's services, advance simulated "
        "time day by day through the tick, and print the funnel of stages reached. Rolled back "
        "afterwards unless --keep."
    )

    def add_arguments(self, parser):
        parser.add_argument("--program", required=True, help="slug of a live program, e.g. demo")
        parser.add_argument("--students", required=True, type=int, help="how many synthetic students (1-100000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same funnel")
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
        parser.add_argument("--keep", action="store_true", help="keep the synthetic students in the database")

    def handle(self, *args, program, students, seed, json, keep, **options):
        if not 1 <= students <= 100_000:
            raise CommandError("--students must be between 1 and 100000")
        _require_migrated()
        page = ProgramPage.objects.live().filter(slug=program).first()
        if page is None:
            known = ", ".join(ProgramPage.objects.live().values_list("slug", flat=True)) or "none"
            raise CommandError(f"no live program with slug {program!r} (live programs: {known})")
        result = simulate_cohort(program=page, students=students, seed=seed, keep=keep)
        if json:
            self.stdout.write(_json_dumps(result.as_json()))
            return
        self.stdout.write(f"{page.title} — {students} simulated students, seed {seed}, {result.ticks} daily ticks")
        width = max(len(stage) for stage in result.stages)
        for stage, count in result.stages.items():
            bar = "█" * round(40 * count / students) if students else ""
            self.stdout.write(f"  {stage:<{width}}  {count:>7}  {bar}")
        if keep:
            self.stdout.write(
                f"kept in the database as cohort {result.cohort}: its students are marked simulated, are never "
                "emailed, and stay out of the queues, counts and mission progress"
            )


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
