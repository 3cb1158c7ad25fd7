"""The program editor's Integrations tab: the platform ids that mean the program and the lessons that
mean its milestones, saved with the page and checked before it is published."""

import pytest

from integrations.models import MilestonePlatformId, ProgramPlatformId
from tests.factories import add_url, program_form, program_page

pytestmark = pytest.mark.django_db


def publish(admin_client, *, ids=(), lessons=()):
    data = {
        **program_form(
            platform_ids=[{"platform": p, "kind": k, "external_id": i} for p, k, i in ids],
            milestone_platform_ids=[{"platform": p, "external_id": i, "milestone_slug": s} for p, i, s in lessons],
        ),
        "action-publish": "publish",
    }
    return admin_client.post(add_url(), data)


def test_the_integrations_tab_shows_both_panels(admin_client):
    html = admin_client.get(add_url()).content.decode()
    assert "Products and courses" in html and "Lessons that are milestones" in html
    assert 'id="id_platform_ids-TOTAL_FORMS"' in html and 'id="id_milestone_platform_ids-TOTAL_FORMS"' in html
    assert "Platform connections" in html


def test_platform_ids_and_lessons_are_published_with_the_program(admin_client):
    response = publish(
        admin_client,
        ids=[("stripe", "product", "price_1Q2w3E"), ("thinkific", "course", "68")],
        lessons=[("thinkific", "5501", "first-win")],
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rows = set(ProgramPlatformId.objects.values_list("program__slug", "platform", "kind", "external_id"))
    assert rows == {
        ("calm-parents", "stripe", "product", "price_1Q2w3E"),
        ("calm-parents", "thinkific", "course", "68"),
    }
    assert MilestonePlatformId.objects.get().milestone_slug == "first-win"


def test_a_lesson_for_a_milestone_the_program_has_not_is_refused(admin_client):
    response = publish(admin_client, lessons=[("teachable", "6610", "no-such-step")])
    assert response.status_code == 200
    html = response.content.decode()
    assert "No milestone &#x27;no-such-step&#x27; in this program" in html and "see the Integrations tab" in html
    assert not MilestonePlatformId.objects.exists()


def test_an_id_another_published_program_has_is_refused(admin_client):
    other = program_page(slug="other")
    other.platform_ids.add(ProgramPlatformId(platform="kajabi", kind="product", external_id="2148123"))
    other.save_revision().publish()
    response = publish(admin_client, ids=[("kajabi", "product", "2148123")])
    assert response.status_code == 200
    assert "Already means the program “Program other”" in response.content.decode()
    twice = publish(admin_client, ids=[("stripe", "product", "plink_1"), ("stripe", "product", "plink_1")])
    assert "This id is listed twice." in twice.content.decode()
