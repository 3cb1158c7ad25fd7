"""The events API writes an accepted event with one hand-written INSERT (campaigns.models.inserts.insert_one):
the row must be what the ORM's create() would have written, on SQLite and PostgreSQL."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from integrations.models import InboundEvent, Outcome

AT = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)


def fields(**extra) -> dict:
    return {
        "source": "api",
        "external_id": "msg_1",
        "event_type": "enrollment.created",
        "headers": {"user-agent": "curl/8", "x-note": "déjà vu"},
        "body": '{"type": "enrollment.created"}',
        "body_size": 30,
        "received_at": AT,
        **extra,
    }


@pytest.mark.django_db
def test_the_row_is_what_create_would_have_written():
    pk = InboundEvent.objects.insert_one(**fields(accepted=True, next_attempt_at=AT))
    by_orm = InboundEvent.objects.create(**fields(external_id="msg_2", accepted=True, next_attempt_at=AT))
    inserted = InboundEvent.objects.get(pk=pk)
    for field in InboundEvent._meta.concrete_fields:
        if field.name not in ("id", "external_id"):
            assert getattr(inserted, field.attname) == getattr(by_orm, field.attname), field.name
    assert inserted.headers["x-note"] == "déjà vu" and inserted.received_at == AT
    assert inserted.outcome == Outcome.PENDING and inserted.attempts == 0 and inserted.error == ""


@pytest.mark.django_db
def test_the_unique_constraint_still_decides_and_a_foreign_key_is_written():
    first = InboundEvent.objects.insert_one(**fields(accepted=True))
    with pytest.raises(IntegrityError), transaction.atomic():
        InboundEvent.objects.insert_one(**fields(accepted=True))
    repeat = InboundEvent.objects.insert_one(**fields(duplicate_of_id=first, outcome=Outcome.DUPLICATE))
    assert InboundEvent.objects.get(pk=repeat).duplicate_of_id == first


@pytest.mark.django_db
def test_a_field_the_model_does_not_have_is_refused_before_any_sql():
    with pytest.raises(TypeError, match="no field colour"):
        InboundEvent.objects.insert_one(**fields(colour="red"))
    assert not InboundEvent.objects.exists()
