import os
import signal
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import program_page
from tests.services import reachable

IN_CI = os.environ.get("CI", "").lower() == "true"


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a child process (manage.py, a worker) started by a test.

    Drops what the test process set for itself (the browser tests' async-unsafe switch,
    the test settings) so the child starts the way a user's shell would start it.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "TASK_RUNNER", "SECRET_KEY")
    }
    env.update(extra)
    return env


ROOT = Path(__file__).resolve().parents[1]


def start_process(args: list[str], env: dict[str, str], **kwargs) -> subprocess.Popen:
    """A child process (manage.py, celery) in its own process group, output captured as text."""
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        **kwargs,
    )


def stop_process(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Signal the child's whole group and wait; kill it if it does not stop in time."""
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


# Fixtures through which a test reaches the database (directly or through fixtures built on them).
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}
# Tests that choose their backend themselves: never to be left to the SQLite pass alone.
OWN_BACKEND_FIXTURES = {"postgres_db", "live_server"}


def pytest_collection_modifyitems(config, items) -> None:
    """A test that never reaches the database runs the same on SQLite and on PostgreSQL: it is marked
    backend_independent, so the PostgreSQL pass does not run it a second time. pytest-django refuses
    database access to a test without a database fixture or marker, so an unmarked test cannot be one
    that needed PostgreSQL."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("django_db") or item.get_closest_marker("services"):
            continue
        if fixtures & (DATABASE_FIXTURES | OWN_BACKEND_FIXTURES):
            continue
        item.add_marker(pytest.mark.backend_independent)
    _keep_xdist_groups_together(config, items)


def _keep_xdist_groups_together(config, items) -> None:
    """Keep each ``xdist_group`` on one worker (``--dist loadgroup``). pytest-xdist 3.8 marks a grouped
    test by appending "@<group>" to ``item._nodeid``, which pytest 9 no longer reads (the id is
    ``item._id``, a ``NodeId``): every group was spread over both workers, and each worker migrated
    the runengine tests' demo database (33 s) for itself. Keep transactional tests out of groups:
    xdist runs the largest group first, and such a test empties the tables (the rows migrations wrote
    included) for the tests that come after it on its worker."""
    if not getattr(config.option, "loadgroup", False):  # set in xdist's workers under --dist loadgroup
        return
    from _pytest.nodeid import coerce_node_id

    for item in items:
        marks = item.iter_markers("xdist_group")
        names = {str(mark.args[0] if mark.args else mark.kwargs.get("name", "default")) for mark in marks}
        if names and "@" not in item.nodeid:
            item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(sorted(names))}")


@pytest.fixture(scope="session")
def migrated_sqlite_db(tmp_path_factory) -> Path:
    """One SQLite file with every migration applied, by ``manage.py migrate`` in a child process (about
    15 s). Tests that start a child on a database of its own copy it (``shutil.copy``) instead of
    migrating one each; those in the "runengine" xdist group share it on one worker."""
    import sys

    path = tmp_path_factory.mktemp("migrated") / "db.sqlite3"
    env = subprocess_env(DJANGO_SETTINGS_MODULE="cms.settings.dev", DATABASE_URL=f"sqlite:///{path}")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, capture_output=True)
    return path


def need(condition: bool, why: str) -> None:
    """Skip locally when a service is missing; under CI=true a missing service fails the run."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{why} (CI=true: service tests must run, not skip)")
    pytest.skip(why)


@pytest.fixture(autouse=True)
def anymail_test_backend(settings):
    """Django's test set-up swaps in its locmem backend; we test through anymail's."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate limits count outside the database (the `limits` package's memory storage in tests): each
    test starts with none, as it starts with an empty database."""
    from campaigns import ratelimit

    ratelimit.reset()
    yield


@pytest.fixture(autouse=True)
def fresh_wakeup_trust():
    """A process trusts a wake-up flag it saw for a tenth of a second (mailers.runner): longer than a
    test, so each starts trusting none, as a process that just started."""
    from mailers import runner

    runner._flags_seen_until.clear()
    yield


@pytest.fixture
def postgres_db():
    need(connection.vendor == "postgresql", "needs PostgreSQL: run with DATABASE_URL=postgres://... (make test does)")


@pytest.fixture
def redis_server():
    need(reachable("redis"), "needs Redis at CELERY_BROKER_URL (redis://127.0.0.1:6379/0)")


@pytest.fixture
def program(db):
    return program_page(slug="focus", milestones=[("first-win", 7), ("halfway", 15), ("platform-only", None)])


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_superuser("alice", "alice@example.org", "pw-alice-123")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
