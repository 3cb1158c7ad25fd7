"""The team's webhook screens under Referrals: endpoints (the URL checked on save, the secret shown
once, pause and resume, rotate, a test event) and the delivery log (filters, every attempt, Replay)."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from standardwebhooks.webhooks import Webhook
from wagtail.models import GroupPagePermission

from referrals.webhooks import services
from referrals.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.referrals.webhook_receiver import URL, Reply

pytestmark = pytest.mark.django_db


def add(admin_client, program, url=URL, **extra):
    data = {"program": program.pk, "url": url, "description": "our CRM", **extra}
    return admin_client.post("/admin/webhook-endpoints/new/", data)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/in", "only https:// URLs are allowed"),
        ("https://127.0.0.1/in", "127.0.0.1 is a loopback address"),
        ("https://10.0.0.8/in", "10.0.0.8 is a private address"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("https://sneaky.example.com/in", "sneaky.example.com resolves to 10.0.0.5, a private address"),
        ("https://nowhere.example.com/in", "nowhere.example.com does not resolve"),
    ],
)
def test_an_address_that_is_not_public_https_is_refused_with_a_clear_error(admin_client, program, dns, url, why):
    response = add(admin_client, program, url=url)
    assert response.status_code == 200
    assert f"This URL cannot be used: {why}" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_adding_an_endpoint_shows_its_secret_once(admin_client, program, dns):
    response = add(admin_client, program, event_types=["lead.created", "testimonial.approved"])
    endpoint = WebhookEndpoint.objects.get()
    body = response.content.decode()
    assert response.status_code == 200 and endpoint.secret in body
    assert "no-store" in response["Cache-Control"]
    assert endpoint.event_types == ["lead.created", "testimonial.approved"] and endpoint.url == URL
    for page in ("/admin/webhook-endpoints/", f"/admin/webhook-endpoints/inspect/{endpoint.pk}/"):
        shown = admin_client.get(page).content.decode()
        assert URL in shown and endpoint.secret not in shown
    assert endpoint.secret not in admin_client.get(f"/admin/webhook-endpoints/edit/{endpoint.pk}/").content.decode()


def test_pause_resume_rotate_and_a_test_event(admin_client, program, receiver, django_capture_on_commit_callbacks):
    endpoint = WebhookEndpoint.objects.create(program=program, url=URL)
    base = f"/admin/webhook-endpoints/{endpoint.pk}"
    assert admin_client.get(f"{base}/pause/").status_code == 405  # actions are POSTs only
    admin_client.post(f"{base}/pause/")
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "paused by alice" in endpoint.paused_reason
    assert "Paused by the team" in admin_client.get(f"/admin/webhook-endpoints/inspect/{endpoint.pk}/").content.decode()
    admin_client.post(f"{base}/resume/")
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.paused_reason == ""
    old = endpoint.secret
    rotated = admin_client.post(f"{base}/rotate/")
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in rotated.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{base}/test/")
    delivery = WebhookDelivery.objects.get(event_type="webhook.test")
    assert response.url == f"/admin/webhook-deliveries/inspect/{delivery.pk}/"
    [request] = receiver.received
    assert Webhook(endpoint.secret).verify(request.body, request.headers)["type"] == "webhook.test"
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "delivered"


def test_the_delivery_log_shows_every_attempt_and_replays_on_demand(
    admin_client, program, receiver, django_capture_on_commit_callbacks
):
    endpoint = WebhookEndpoint.objects.create(program=program, url=URL)
    receiver.answer(Reply(500, body="database is down"), Reply(200, body="thanks"))
    [delivery] = services.webhook_emit(program=program, event_type="lead.created", data={"lead_id": 3})
    services.delivery_send(delivery_id=delivery.pk)

    def listed(query):
        return list(admin_client.get("/admin/webhook-deliveries/?" + query).context["object_list"])

    assert listed("status=pending&event_type=lead.created") == [delivery]
    assert listed("status=delivered") == listed("event_type=reward.released") == []
    assert listed(f"endpoint={endpoint.pk}") == [delivery]
    page = admin_client.get(f"/admin/webhook-deliveries/inspect/{delivery.pk}/").content.decode()
    assert "database is down" in page and "500" in page and " ms" in page and "retry at" in page
    assert endpoint.secret not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/webhook-deliveries/{delivery.pk}/replay/")
    assert response.status_code == 302
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.event_id
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "delivered"
    assert list(WebhookAttempt.objects.order_by("attempted_at").values_list("status_code", "trigger")) == [
        (500, "schedule"),
        (200, "replay"),
    ]
    assert "thanks" in admin_client.get(f"/admin/webhook-deliveries/inspect/{delivery.pk}/").content.decode()


def test_replay_needs_a_csrf_token_and_the_change_permission(program, admin_user):
    endpoint = WebhookEndpoint.objects.create(program=program, url=URL)
    [delivery] = services.webhook_emit(program=program, event_type="lead.created", data={})
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    assert strict.post(f"/admin/webhook-deliveries/{delivery.pk}/replay/").status_code == 403
    viewer = User.objects.create_user("bo", password="pw-bo-12345")
    team = Group.objects.create(name="Team")
    team.permissions.add(*Permission.objects.filter(codename__in=["access_admin", "view_webhookdelivery"]))
    GroupPagePermission.objects.create(
        group=team, page=program, permission=Permission.objects.get(codename="change_page")
    )
    viewer.groups.add(team)
    member = Client()
    member.force_login(viewer)
    assert member.get(f"/admin/webhook-deliveries/inspect/{delivery.pk}/").status_code == 200  # they may look
    # Wagtail answers "no permission" by going home; nothing happened.
    assert member.post(f"/admin/webhook-deliveries/{delivery.pk}/replay/").url == "/admin/"
    assert member.post(f"/admin/webhook-endpoints/{endpoint.pk}/rotate/").url == "/admin/"
    assert WebhookDelivery.objects.get(pk=delivery.pk).next_attempt_at == delivery.next_attempt_at
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == endpoint.secret


def test_nobody_edits_or_deletes_a_delivery_by_hand(admin_client, program):
    WebhookEndpoint.objects.create(program=program, url=URL)
    [delivery] = services.webhook_emit(program=program, event_type="lead.created", data={})
    assert admin_client.get(f"/admin/webhook-deliveries/edit/{delivery.pk}/").status_code == 302
    assert admin_client.post(f"/admin/webhook-deliveries/delete/{delivery.pk}/").status_code == 302
    assert WebhookDelivery.objects.filter(pk=delivery.pk).exists()


def test_a_team_member_sees_and_changes_only_the_endpoints_of_programs_they_may_edit(program, client):
    from tests.factories import program_page

    other = program_page(slug="sleep")
    mine = WebhookEndpoint.objects.create(program=program, url=URL)
    theirs = WebhookEndpoint.objects.create(program=other, url=URL + "/other")
    [delivery] = services.webhook_emit(program=other, event_type="lead.created", data={})
    user = User.objects.create_user("cy", email="cy@example.org", password="pw-cy-12345")
    team = Group.objects.create(name="Focus team")
    team.permissions.add(
        *Permission.objects.filter(
            codename__in=[
                "access_admin",
                "add_webhookendpoint",
                "view_webhookendpoint",
                "change_webhookendpoint",
                "view_webhookdelivery",
            ]
        )
    )
    GroupPagePermission.objects.create(
        group=team, page=program, permission=Permission.objects.get(codename="change_page")
    )
    user.groups.add(team)
    client.force_login(user)
    assert list(client.get("/admin/webhook-endpoints/").context["object_list"]) == [mine]
    assert client.get(f"/admin/webhook-endpoints/inspect/{mine.pk}/").status_code == 200
    for path in (
        f"/admin/webhook-endpoints/inspect/{theirs.pk}/",
        f"/admin/webhook-endpoints/edit/{theirs.pk}/",
        f"/admin/webhook-deliveries/inspect/{delivery.pk}/",
    ):
        assert client.get(path).url == "/admin/", path
    assert client.post(f"/admin/webhook-endpoints/{theirs.pk}/pause/").url == "/admin/"
    assert WebhookEndpoint.objects.get(pk=theirs.pk).is_active
    assert list(client.get("/admin/webhook-deliveries/").context["object_list"]) == []
    # The form offers only their programs: another program's id is refused.
    response = client.post("/admin/webhook-endpoints/new/", {"program": other.pk, "url": URL})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    # Their own program's publishers are told when its endpoint pauses: the team with publish rights.
    assert services.creator_recipients(program) == []
    GroupPagePermission.objects.create(
        group=team, page=program, permission=Permission.objects.get(codename="publish_page")
    )
    assert services.creator_recipients(program) == ["cy@example.org"]
