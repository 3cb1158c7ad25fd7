"""The creator adds thank-you tiers in the program editor: two at the same number of friends are refused
with the reason in the tiers' panel, nothing published; fixed, they publish and the rule is kept."""

import pytest

from referrals.rewards.models import RewardTier
from tests.browser.test_author_program import log_in, publish
from tests.browser.test_editor_truth import autosave_settled
from tests.factories import program_page, referral_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_tiers_are_edited_next_to_the_thank_you_and_checked_on_publish(desktop, live_server, admin_user):
    program = program_page(slug="garden", title="Grow Your Own")
    referral_plan(program=program)
    log_in(desktop, live_server)
    desktop.goto(f"{live_server.url}/admin/pages/{program.pk}/edit/")
    desktop.get_by_role("tab", name="Referral ask").click()
    assert desktop.get_by_text("The graduate's thank-you").first.is_visible()
    add = desktop.get_by_role("button", name="Add thank-you tier").first
    add.click()
    desktop.fill("#id_reward_tiers-0-friends", "3")
    desktop.select_option("#id_reward_tiers-0-kind", "gift")
    desktop.fill("#id_reward_tiers-0-description", "a seed kit")
    add = desktop.get_by_role("button", name="Add thank-you tier").first
    add.click()
    desktop.fill("#id_reward_tiers-1-friends", "3")
    desktop.select_option("#id_reward_tiers-1-kind", "gift")
    desktop.fill("#id_reward_tiers-1-description", "a signed book")
    desktop.press("#id_reward_tiers-1-description", "Tab")
    autosave_settled(desktop)
    publish(desktop)
    desktop.wait_for_selector("text=The referral ask needs attention")
    desktop.get_by_role("tab", name="Referral ask").click()
    assert desktop.get_by_text("Two tiers are at 3 friends: give each tier its own number of friends.").is_visible()
    assert not RewardTier.objects.exists()
    # What was typed is still there: fix the second tier and publish.
    assert desktop.input_value("#id_reward_tiers-1-description") == "a signed book"
    desktop.fill("#id_reward_tiers-1-friends", "5")
    desktop.press("#id_reward_tiers-1-friends", "Tab")
    autosave_settled(desktop)
    publish(desktop)
    desktop.wait_for_selector("text=/published/")
    assert list(RewardTier.objects.order_by("friends").values_list("friends", "description")) == [
        (3, "a seed kit"),
        (5, "a signed book"),
    ]
