"""testimonials 0007: the cases there before posts were kept get their opening post, as their
webhook_status told it; a case never posted, or stuck mid-send, stays owed for the periodic pass."""

import pytest

from testimonials.models import HelpDeskPost, SupportCase
from tests.factories import enroll, feedback_plan, program_page
from tests.migrating import latest_afterwards, migrate  # noqa: F401 - the fixture is autouse

BEFORE = [("testimonials", "0006_feedback_questions_by_route")]
STATUSES = ["", "sending", "delivered (204)", "failed: HTTP 503", "update delivered (204)"]


def cases(program, statuses):
    from testimonials.models import FeedbackResponse

    made = []
    for i, status in enumerate(statuses):
        enrollment = enroll(program=program, email=f"s{i}@example.org")
        response = FeedbackResponse.objects.create(
            enrollment=enrollment, student=enrollment.student, program=program, score=2
        )
        made.append(
            SupportCase.objects.create(
                response=response,
                student=enrollment.student,
                program=program,
                reason="low score",
                webhook_status=status,
            ).pk
        )
    return made


@pytest.mark.django_db(transaction=True)
def test_the_cases_there_before_get_their_opening_post():
    hooked = program_page(slug="focus")
    feedback_plan(program=hooked, helpdesk_webhook_url="https://helpdesk.example.com/h")
    quiet = program_page(slug="calm")
    feedback_plan(program=quiet)
    ids = cases(hooked, STATUSES)
    [never_hooked] = cases(quiet, [""])
    migrate(BEFORE)  # the posts' table goes; the cases stay, as they were before the upgrade
    migrate()
    posts = {p.case_id: p for p in HelpDeskPost.objects.all()}
    assert never_hooked not in posts  # no help desk: nothing owed
    assert [posts[pk].status for pk in ids] == [
        "",
        "sending",
        "delivered (204)",
        "failed: HTTP 503",
        "before this upgrade; the latest: update delivered (204)",
    ]
    assert {p.kind for p in posts.values()} == {HelpDeskPost.Kind.OPENED}
    opened = dict(SupportCase.objects.values_list("pk", "opened_at"))
    assert all(p.created_at == opened[pk] for pk, p in posts.items())
    assert posts[ids[1]].claimed_at == opened[ids[1]] and posts[ids[0]].claimed_at is None
