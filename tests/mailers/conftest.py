import itertools

import pytest
from django.core import mail

from mailers import services


@pytest.fixture(autouse=True)
def empty_outbox():
    mail.outbox = []


@pytest.fixture(autouse=True)
def webhook_provider(settings):
    # Tests send with anymail's test backend; the tracking webhook under test is Postmark's.
    settings.MAIL_WEBHOOK_PROVIDER = "postmark"


@pytest.fixture
def queue(db, django_capture_on_commit_callbacks):
    """Queue a message the way the phase apps do; the send task runs on commit (django-q2 sync)."""

    counter = itertools.count()

    def _queue(**kwargs):
        defaults = {
            "kind": "announcement",
            "to_email": "ann@example.org",
            "to_name": "Ann Lee",
            "idempotency_key": f"key-{next(counter)}",
            "context": {"subject": "Hello {{ first_name }}", "body": "Hi {{ first_name }},\n\nA note for you."},
        }
        defaults.update(kwargs)
        with django_capture_on_commit_callbacks(execute=True):
            return services.message_queue(**defaults)

    return _queue


def queue_due(n: int, now, prefix: str = "due"):
    """n transactional messages queued just before ``now`` and due at ``now`` (no send task enqueued)."""
    from datetime import timedelta

    return [
        services.message_queue(
            kind="test",
            to_email=f"{prefix}{i}@example.org",
            idempotency_key=f"{prefix}-{i}",
            context={"subject": "S", "body": "B"},
            send_after=now,
            now=now - timedelta(seconds=1),
        )
        for i in range(n)
    ]
