"""Junk in our URLs' ids and values is a 404 or 400, never a 500 (on SQLite and PostgreSQL alike)."""

import pytest
from django.test import Client
from django.urls import reverse

from campaigns import links
from tests.factories import enroll

pytestmark = pytest.mark.django_db
TOO_BIG = [str(2**63), "9" * 19, "9" * 40]
HUB_PATHS = ["/me/{t}/prompts/{n}/", "/me/{t}/testimonial/{n}/", "/me/{t}/testimonial/{n}/withdraw/"]
PUBLIC_PATHS = ["/t/{n}/card.png", "/t/{n}/photo.jpg"]


@pytest.fixture
def lenient_client():
    return Client(raise_request_exception=False)  # a 500 comes back as a response, as a visitor sees it


@pytest.mark.parametrize("number", [*TOO_BIG, "0", "²", "٣", "1٣", "-1"])
@pytest.mark.parametrize("path", HUB_PATHS + PUBLIC_PATHS)
def test_an_id_no_database_can_hold_is_a_404(program, lenient_client, path, number):
    student = enroll(program=program).student
    response = lenient_client.get(path.format(t=links.hub_token(student.pk), n=number))
    assert response.status_code == 404


def test_the_largest_id_still_resolves(program, lenient_client):
    student = enroll(program=program).student
    path = reverse("testimonials:form", args=[links.hub_token(student.pk), 2**63 - 1])
    assert lenient_client.get(path).status_code == 404  # no such program: the view's own 404
    assert (
        lenient_client.get(reverse("testimonials:form", args=[links.hub_token(student.pk), program.pk])).status_code
        == 200
    )
