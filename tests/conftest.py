import os

import pytest
from django.db import connection

from tests.factories import program_page
from tests.services import reachable

IN_CI = os.environ.get("CI", "").lower() == "true"


def need(condition: bool, why: str) -> None:
    """Skip locally when a service is missing; under CI=true a missing service fails the run."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{why} (CI=true: service tests must run, not skip)")
    pytest.skip(why)


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
