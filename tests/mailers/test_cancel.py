"""messages_cancel: queued or deferred messages that are no longer needed are never sent, and say why."""

from datetime import UTC, datetime, timedelta

from mailers import services as mail_services
from mailers.models import Message, Status


def test_cancelling_touches_only_that_students_pending_messages_of_that_kind(db):
    now = datetime(2026, 3, 10, 7, 57, tzinfo=UTC)
    common = {"context": {"subject": "S", "body": "B"}, "send_after": now + timedelta(hours=1), "now": now}
    mine = mail_services.message_queue(
        kind="testimonial_request", to_email="a@example.org", idempotency_key="a", student_id=1, program_id=7, **common
    )
    other_program = mail_services.message_queue(
        kind="testimonial_request", to_email="a@example.org", idempotency_key="b", student_id=1, program_id=8, **common
    )
    other_student = mail_services.message_queue(
        kind="testimonial_request", to_email="b@example.org", idempotency_key="c", student_id=2, program_id=7, **common
    )
    other_kind = mail_services.message_queue(
        kind="feedback_request", to_email="a@example.org", idempotency_key="d", student_id=1, program_id=7, **common
    )
    failed = mail_services.message_queue(
        kind="testimonial_request", to_email="a@example.org", idempotency_key="e", student_id=1, program_id=7, **common
    )
    Message.objects.filter(pk=failed.pk).update(status=Status.FAILED)
    cancelled = mail_services.messages_cancel(
        kind="testimonial_request", student_id=1, program_id=7, reason="testimonial already written"
    )
    assert cancelled == 1
    statuses = dict(Message.objects.values_list("idempotency_key", "status"))
    assert statuses == {
        mine.idempotency_key: Status.CANCELLED,
        other_program.idempotency_key: Status.QUEUED,
        other_student.idempotency_key: Status.QUEUED,
        other_kind.idempotency_key: Status.QUEUED,
        failed.idempotency_key: Status.FAILED,
    }
    # A cancelled message is never claimed, however late the sender comes.
    mail_services.messages_send_due(now=now + timedelta(days=30))
    assert Message.objects.get(pk=mine.pk).status == Status.CANCELLED
