"""A student is found by address in any case through the index the unique constraint keeps on
LOWER(email): Django's iexact (LIKE on SQLite, UPPER() on PostgreSQL) read every student instead."""

import pytest
from django.db import connection

from campaigns.models import Enrollment, Student
from tests.factories import StudentFactory, enroll, program_page

pytestmark = pytest.mark.django_db


def test_any_case_finds_the_student_directly_and_through_an_enrollment():
    program = program_page()
    ann = enroll(program=program, email="Ann.Lee@Example.org").student
    assert list(Student.objects.filter(email__iexact="ann.lee@example.ORG")) == [ann]
    assert Enrollment.objects.filter(program=program, student__email__iexact="ANN.LEE@example.org").count() == 1
    assert not Student.objects.filter(email__iexact="ann.lee@example.or").exists()
    assert not Student.objects.filter(email__iexact="ann_lee@example.org").exists()  # '_' is no wildcard


def test_the_lookup_is_an_index_search():
    StudentFactory(email="ann@example.org")
    sql, params = Student.objects.filter(email__iexact="ANN@example.org").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: make the planner show the index
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "student_email_unique_ci" in plan, plan


def test_every_way_a_student_is_written_keeps_the_inbox_their_address_reaches():
    from datetime import UTC, datetime

    from campaigns import bulk
    from campaigns.erasure import erase_student

    program = program_page()
    one = enroll(program=program, email="Ann.Lee+news@GoogleMail.com").student
    assert Student.objects.get(pk=one.pk).inbox == "annlee@gmail.com"
    now = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
    bulk.enroll_chunk(  # the import's and the events API's set-based path
        program=program,
        people=[{"email": "Bo+x@Example.org", "first_name": "Bo"}],
        cohort="c",
        starts_at=now,
        actor="test",
        now=now,
    )
    assert Student.objects.get(email__iexact="Bo+x@Example.org").inbox == "bo@example.org"
    one.email = "ann@example.org"
    one.save(update_fields=["email"])  # a staff edit of the address alone
    assert Student.objects.get(pk=one.pk).inbox == "ann@example.org"
    erase_student(student=one, needles=["ann@example.org"], now=now)
    erased = Student.objects.get(pk=one.pk)
    assert erased.inbox == erased.email.lower() and "ann" not in erased.inbox
    assert Student.objects.filter(inbox="bo@example.org").count() == 1  # the lookup every alias shares
