"""The admin addresses the business records had as snippets still lead to them (links in team emails
already sent, help-desk tickets, bookmarks)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/snippets/campaigns/student/", "/admin/students/"),
        ("/admin/snippets/campaigns/student/inspect/7/", "/admin/students/inspect/7/"),
        ("/admin/snippets/campaigns/enrollment/add/", "/admin/enrollments/new/"),
        ("/admin/snippets/campaigns/journeyevent/?kind=enrolled", "/admin/journey/?kind=enrolled"),
        ("/admin/snippets/mailers/message/inspect/3/", "/admin/mail/messages/inspect/3/"),
        ("/admin/snippets/mailers/contact/edit/4/", "/admin/mail/contacts/edit/4/"),
        ("/admin/snippets/testimonials/supportcase/edit/5/", "/admin/support-cases/edit/5/"),
        ("/admin/snippets/testimonials/testimonial/?status=pending", "/admin/testimonials/?status=pending"),
    ],
)
def test_a_snippet_address_of_before_leads_to_the_viewset(admin_client, old, new):
    response = admin_client.get(old)
    assert response.status_code == 301 and response["Location"] == new


def test_an_old_case_link_lands_on_the_case_after_signing_in(client, admin_user, program):
    from tests.testimonials.test_wall import a_case

    case = a_case(program)
    old = f"/admin/snippets/testimonials/supportcase/edit/{case.pk}/"
    anonymous = client.get(old)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("wagtailadmin_login"))
    client.force_login(admin_user)
    page = client.get(old, follow=True)
    assert page.redirect_chain == [(f"/admin/support-cases/edit/{case.pk}/", 301)]
    assert page.status_code == 200 and "What happened" in page.content.decode()


def test_other_snippet_addresses_are_not_taken_over(admin_client):
    assert admin_client.get("/admin/snippets/campaigns/programpage/").status_code == 404
    assert admin_client.get("/admin/snippets/campaigns/studentx/").status_code == 404
