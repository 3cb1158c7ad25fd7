"""referrals 0005: the plan's old "thank-you" choice and its reward kind become one field, in the table
and in the program's revisions (a draft published later must not bring the old pair back)."""

import pytest

from referrals.models import ReferralPlan
from tests.factories import program_page
from tests.migrating import latest_afterwards, migrate  # noqa: F401 - the fixture is autouse

BEFORE = [("referrals", "0007_conversion_superseded")]
AFTER = [("referrals", "0005_reward_tiers_access")]


@pytest.mark.django_db(transaction=True)
def test_the_old_thank_you_choice_maps_to_the_kind_in_rows_and_revisions():
    pages = [program_page(slug=f"p{n}") for n in range(5)]
    old = migrate(BEFORE)
    Plan = old.get_model("referrals", "ReferralPlan")
    pairs = [
        ("none", "code_bank"),  # nothing promised: nothing given
        ("gift", "booking_link"),  # the kind left at its default takes the promise's meaning
        ("other_program", "booking_link"),
        ("early_access", "booking_link"),
        ("bonus_session", "code_bank"),  # a kind chosen on purpose stands
    ]
    for page, (thank_you, kind) in zip(pages, pairs, strict=True):
        Plan.objects.create(program_id=page.pk, sort_order=0, thank_you=thank_you, reward_kind=kind)
    Revision = old.get_model("wagtailcore", "Revision")
    revision = Revision.objects.filter(object_id=str(pages[1].pk)).order_by("-pk").first()
    revision.content["referral_plans"] = [{"thank_you": "gift", "reward_kind": "booking_link", "pk": None}]
    revision.save()
    migrate(AFTER)
    kinds = [ReferralPlan.objects.get(program_id=page.pk).reward_kind for page in pages]
    assert kinds == ["none", "gift", "program_access", "early_access", "code_bank"]
    from wagtail.models import Revision as LiveRevision

    content = LiveRevision.objects.get(pk=revision.pk).content["referral_plans"][0]
    assert content["reward_kind"] == "gift" and "thank_you" not in content
    # And back: the old pair again (new kinds become a booking link that promised them).
    old = migrate(BEFORE)
    back = old.get_model("referrals", "ReferralPlan").objects.order_by("program_id")
    assert [(p.thank_you, p.reward_kind) for p in back] == [
        ("none", "booking_link"),
        ("gift", "gift"),
        ("other_program", "booking_link"),
        ("early_access", "booking_link"),
        ("bonus_session", "code_bank"),
    ]
    migrate(AFTER)
