"""The referral models moved from campaigns to referrals (campaigns 0009–0010, referrals 0001,
integrations 0002): a database full of data at the previous layout keeps every row, every relation
between them, and the permissions granted on them."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from integrations.models import Purchase
from referrals.models import FriendLead, LeadStatus, ReferralClick, ReferralLink, ReferralPlan
from tests.factories import StudentFactory, program_page
from tests.migrating import latest_afterwards, migrate  # noqa: F401 - the fixture is autouse

# The latest migrations before the move, and no referrals app at all.
BEFORE = [
    ("campaigns", "0008_studentimport"),
    ("integrations", "0001_inbound_events_and_purchases"),
    ("referrals", None),
]
MODELS = {
    "referralplan": ReferralPlan,
    "referrallink": ReferralLink,
    "referralclick": ReferralClick,
    "friendlead": FriendLead,
}
MOVED = tuple(MODELS)


def historical_models():
    """The models as they were at BEFORE (the referral ones in campaigns)."""
    loader = MigrationExecutor(connection).loader
    return loader.project_state([node for node in BEFORE if node[1]]).apps


@pytest.mark.django_db(transaction=True)
def test_a_database_at_the_previous_layout_keeps_every_referral_row_and_permission():
    program = program_page(slug="focus")
    graduate = StudentFactory(email="maria@example.org")
    friend = StudentFactory(email="jo@example.org")
    now = timezone.now().replace(microsecond=0)
    content_type_ids = {model: ContentType.objects.get(app_label="referrals", model=model).pk for model in MOVED}

    migrate(BEFORE)
    ContentType.objects.clear_cache()
    old = historical_models()
    assert {"campaigns_referrallink", "campaigns_friendlead"} <= set(connection.introspection.table_names())
    plan = old.get_model("campaigns", "ReferralPlan").objects.create(
        program_id=program.pk, sort_order=0, ask_count_min=2, ask_count_max=4, thank_you_text="A session."
    )
    link = old.get_model("campaigns", "ReferralLink").objects.create(
        student_id=graduate.pk, program_id=program.pk, code="ABCD2345", created_at=now, first_shared_at=now
    )
    click = old.get_model("campaigns", "ReferralClick").objects.create(
        link=link, visitor="v" * 32, client="c" * 16, day=now.date(), clicked_at=now
    )
    lead = old.get_model("campaigns", "FriendLead").objects.create(
        program_id=program.pk,
        via_link=link,
        link=link,
        email="jo@example.org",
        first_name="Jo",
        registered_at=now,
        confirmed_at=now,
        status="enrolled",
        student_id=friend.pk,
        offer_until=now + timedelta(days=14),
    )
    purchase = old.get_model("integrations", "Purchase").objects.create(
        source="stripe", order_id="order-1", email="jo@example.org", program_id=program.pk, friend_lead=lead
    )
    # A team that may see links, granted through a group at the old layout (the content type's app: campaigns).
    old_permission = old.get_model("auth", "Permission").objects.get(
        content_type__app_label="campaigns", content_type__model="referrallink", codename="view_referrallink"
    )
    group = old.get_model("auth", "Group").objects.create(name="Referral viewers")
    group.permissions.add(old_permission)

    migrate()
    ContentType.objects.clear_cache()

    tables = set(connection.introspection.table_names())
    assert {f"referrals_{model}" for model in MOVED} <= tables
    assert not {f"campaigns_{model}" for model in MOVED} & tables
    moved_plan = ReferralPlan.objects.get()
    assert (moved_plan.pk, moved_plan.program_id, moved_plan.ask_count_label) == (plan.pk, program.pk, "2–4")
    assert list(program.referral_plans.all()) == [moved_plan]
    moved_link = ReferralLink.objects.select_related("student", "program").get()
    assert (moved_link.pk, moved_link.code, moved_link.first_shared_at) == (link.pk, "ABCD2345", now)
    assert (moved_link.student, moved_link.program.specific) == (graduate, program)
    assert list(graduate.referral_links.all()) == [moved_link]
    moved_click = ReferralClick.objects.get()
    assert (moved_click.pk, moved_click.link, moved_click.visitor, moved_click.client, moved_click.clicked_at) == (
        click.pk,
        moved_link,
        "v" * 32,
        "c" * 16,
        now,
    )
    assert list(moved_link.clicks.all()) == [moved_click]
    moved_lead = FriendLead.objects.get()
    assert (moved_lead.pk, moved_lead.via_link, moved_lead.link, moved_lead.student) == (
        lead.pk,
        moved_link,
        moved_link,
        friend,
    )
    assert (moved_lead.status, moved_lead.offer_until) == (LeadStatus.ENROLLED, now + timedelta(days=14))
    assert list(moved_link.leads.all()) == [moved_lead]
    assert Purchase.objects.get(pk=purchase.pk).friend_lead == moved_lead

    # The content types moved with their ids: the group's permission is the referrals app's now.
    for name, model in MODELS.items():
        assert ContentType.objects.get_for_model(model).pk == content_type_ids[name]
    assert not ContentType.objects.filter(app_label="campaigns", model__in=MOVED).exists()
    viewer = User.objects.create_user("viewer")
    viewer.groups.add(Group.objects.get(name="Referral viewers"))
    assert viewer.has_perm("referrals.view_referrallink")

    # The renamed tables take new rows: ids go on from the old ones, the click statement finds its key.
    newer = ReferralLink.objects.create(student=friend, program=program, code="WXYZ2345")
    assert newer.pk > link.pk
    assert ReferralClick.objects.record(code="WXYZ2345", visitor="w" * 32)
    assert not ReferralClick.objects.record(code="WXYZ2345", visitor="w" * 32)  # once per browser per day
    assert ReferralClick.objects.count() == 2
