"""Where support cases go is changed only by those who may handle them (not by any page editor)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from wagtail.models import GroupPagePermission, Page

from campaigns.models import ProgramPage
from testimonials import outbound
from testimonials.models import FeedbackPlan
from tests.factories import add_url, feedback_plan, program_form
from tests.testimonials.test_simulate_and_editor import PLAN

pytestmark = pytest.mark.django_db
ROUTED = {"support_email": "support@example.org", "helpdesk_webhook_url": "https://helpdesk.example.com/hook"}
HIJACK = {"support_email": "me@evil.example", "helpdesk_webhook_url": "https://evil.example.com/cases"}


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    monkeypatch.setattr(outbound, "resolve", lambda host, port: ["93.184.215.14"])


def moderators() -> Group:
    """Wagtail's Moderators group, as its migrations make it: the admin, and add, edit and publish on
    every page. Made here if it is missing: a transactional test that ran before on this worker (a
    browser test, a migration test) empties every table, the rows migrations wrote included."""
    group, made = Group.objects.get_or_create(name="Moderators")
    if made:
        group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
        root = Page.get_first_root_node()
        for codename in ("add_page", "change_page", "publish_page"):
            permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
            GroupPagePermission.objects.create(group=group, page=root, permission=permission)
    return group


def user(django_user_model, name: str, *, handles_support: bool):
    """A moderator (edits and publishes every page, as Wagtail's Moderators group does)."""
    person = django_user_model.objects.create_user(name, f"{name}@example.org", "pw-123456")
    person.groups.add(moderators())
    if handles_support:
        person.user_permissions.add(Permission.objects.get(codename="change_supportcase"))
    return person


def edit_data(program: ProgramPage, plan: FeedbackPlan, **plan_fields) -> dict:
    milestones = [
        {"id": m.pk, "title": m.title, "slug": m.slug, "description": "", "day_offset": str(m.day_offset or "")}
        for m in program.milestones.all()
    ]
    data = program_form(
        title=program.title,
        slug=program.slug,
        milestones=milestones,
        feedback_plans=[{**PLAN, "id": plan.pk, **ROUTED, **plan_fields}],
    )
    data["feedback_plans-INITIAL_FORMS"] = "1"
    data["milestones-INITIAL_FORMS"] = str(len(milestones))
    return {**data, "action-publish": "publish"}


def edit_url(program):
    return reverse("wagtailadmin_pages:edit", args=[program.pk])


def test_an_editor_without_the_permission_sees_where_cases_go_but_cannot_change_it(program, client, django_user_model):
    feedback_plan(program=program, **ROUTED)
    plan = FeedbackPlan.objects.get(program=program)
    client.force_login(user(django_user_model, "mo", handles_support=False))
    page = client.get(edit_url(program)).content.decode()
    assert "support@example.org" in page and "Only people who handle support cases can change this" in page
    form = client.get(edit_url(program)).context["form"].formsets["feedback_plans"].forms[0]
    assert form.fields["support_email"].disabled and form.fields["helpdesk_webhook_url"].disabled
    # A crafted POST: the rest of the request is saved, where cases go is not.
    response = client.post(edit_url(program), edit_data(program, plan, **HIJACK, cooloff_days="21"))
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = FeedbackPlan.objects.get(program=program)
    assert plan.cooloff_days == 21
    assert (plan.support_email, plan.helpdesk_webhook_url) == tuple(ROUTED.values())
    latest = ProgramPage.objects.get(pk=program.pk).get_latest_revision_as_object().feedback_plans.get()
    assert (latest.support_email, latest.helpdesk_webhook_url) == tuple(ROUTED.values())


def test_someone_who_handles_support_cases_can_change_where_they_go(program, client, django_user_model):
    feedback_plan(program=program, **ROUTED)
    plan = FeedbackPlan.objects.get(program=program)
    client.force_login(user(django_user_model, "sam", handles_support=True))
    form = client.get(edit_url(program)).context["form"].formsets["feedback_plans"].forms[0]
    assert not form.fields["support_email"].disabled
    response = client.post(edit_url(program), edit_data(program, plan, **HIJACK))
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = FeedbackPlan.objects.get(program=program)
    assert (plan.support_email, plan.helpdesk_webhook_url) == tuple(HIJACK.values())


def test_a_new_feedback_request_needs_someone_who_handles_support(client, django_user_model):
    client.force_login(user(django_user_model, "mo", handles_support=False))
    data = program_form(feedback_plans=[{**PLAN, **HIJACK}])
    response = client.post(add_url(), {**data, "action-publish": "publish"})
    assert response.status_code == 200
    assert "Only people who handle support cases can set where cases go" in response.content.decode()
    assert not FeedbackPlan.objects.exists()
