"""referrals 0008 and campaigns 0012: every friend lead and student already there gets the inbox its address
reaches."""

import pytest

from referrals.models import FriendLead
from tests.factories import program_page
from tests.migrating import latest_afterwards, migrate  # noqa: F401 - the fixture is autouse

BEFORE = [("referrals", "0005_reward_tiers_access")]


@pytest.mark.django_db(transaction=True)
def test_the_leads_there_before_get_their_inbox():
    program = program_page(slug="focus")
    old = migrate(BEFORE)
    Lead = old.get_model("referrals", "FriendLead")
    for email in ("Jo.Ann+news@googlemail.com", "bo+x@Example.org", "cy@example.org"):
        Lead.objects.create(program_id=program.pk, email=email, first_name="A")
    migrate()
    assert dict(FriendLead.objects.values_list("email", "inbox")) == {
        "Jo.Ann+news@googlemail.com": "joann@gmail.com",
        "bo+x@Example.org": "bo@example.org",
        "cy@example.org": "cy@example.org",
    }


@pytest.mark.django_db(transaction=True)
def test_the_students_there_before_get_their_inbox():
    from campaigns.models import Student

    old = migrate([("campaigns", "0011_journey_funnel_index")])
    Old = old.get_model("campaigns", "Student")
    for email in ("Maria.L+x@gmail.com", "Sam@Example.org"):
        Old.objects.create(email=email)
    migrate()
    assert dict(Student.objects.values_list("email", "inbox")) == {
        "Maria.L+x@gmail.com": "marial@gmail.com",
        "Sam@Example.org": "sam@example.org",
    }
