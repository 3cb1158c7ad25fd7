"""The harvest's records in the admin: friends and registrations, special links (read-only lists)."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client

from referrals.models import FriendLead
from tests.referrals.graduates import confirm, make_link, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_friend(program, client):
    link = make_link(program)
    register(client, link)
    confirm(client)
    return link, FriendLead.objects.get(email="jo@example.org")


def test_the_team_finds_a_friend_and_the_link_that_brought_them(admin_client, a_friend):
    link, lead = a_friend
    friends = admin_client.get("/admin/friends/?status=" + lead.status).content.decode()
    assert "jo@example.org" in friends
    assert admin_client.get("/admin/friends/?q=jo%40example").status_code == 200
    assert "jo@example.org" in admin_client.get(f"/admin/friends/inspect/{lead.pk}/").content.decode()
    links = admin_client.get("/admin/referral-links/?q=" + link.code).content.decode()
    assert link.code in links
    assert "jo@example.org" not in admin_client.get("/admin/friends/?status=waitlist").content.decode()


def test_nobody_edits_or_deletes_them_by_hand(admin_client, a_friend):
    link, lead = a_friend
    for path in (f"/admin/friends/edit/{lead.pk}/", f"/admin/friends/delete/{lead.pk}/", "/admin/friends/new/"):
        assert admin_client.get(path).status_code == 302  # Wagtail answers "no permission" by going home
    assert admin_client.post(f"/admin/friends/delete/{lead.pk}/").status_code == 302
    assert FriendLead.objects.filter(pk=lead.pk).exists()
    assert admin_client.post(f"/admin/referral-links/delete/{link.pk}/").status_code == 302
    assert type(link).objects.filter(pk=link.pk).exists()


def test_only_a_team_member_with_the_view_permission_sees_the_friends(a_friend):
    user = User.objects.create_user("bo", password="pw-bo-12345")
    team = Group.objects.create(name="Team")
    team.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(team)
    member = Client()
    member.force_login(user)
    assert member.get("/admin/friends/").status_code == 302
    team.permissions.add(Permission.objects.get(codename="view_friendlead"))
    assert "jo@example.org" in member.get("/admin/friends/").content.decode()
