"""From friend to reward, on a phone, through the real URLs: a friend opens a graduate's special link,
registers and confirms from the email; they buy at Stripe (the signed webhook, processed as the task
runner does); staff read the conversion's evidence; the refund window passes and the thank-you (a gift)
is released; the graduate gives a shipping address in their hub, staff mark it shipped with a tracking
note, and the hub says so. No phone page scrolls sideways."""

import json
import re
from datetime import timedelta
from email.utils import getaddresses
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from campaigns import links
from integrations import services as inbound
from integrations.models import InboundEvent, Outcome, Purchase
from referrals.conversions import services as conversions
from referrals.conversions.models import Conversion, Rule, Status
from referrals.models import FriendLead, LeadStatus, ReferralClick
from referrals.rewards.models import Reward, RewardKind, RewardStatus
from tests.integrations.platform_helpers import STRIPE_SECRET, fixture_json, map_program, stripe_signature
from tests.referrals.graduates import make_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FRIEND = "jo@example.org"
GRADUATE = "maria@example.org"
PHONE_WIDTH = 390
JOINED = "Through your link: Jo joined Program focus"  # the friend_joined email, naming Jo with their consent
SHIPPED = "Your thank-you gift is on its way"


def graduate_emails(address: str) -> list[str]:
    """The subjects of every email sent to ``address`` so far (the anymail test backend's outbox)."""
    return [m.subject for m in mail.outbox if address.lower() in (a.lower() for _, a in getaddresses(m.to))]


def assert_fits(page) -> None:
    """Nothing on the page is wider than the phone: no sideways scrolling."""
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert inner == PHONE_WIDTH and width <= inner, f"{page.url} is {width}px wide on a {inner}px phone"


def log_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-alice-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def open_from_list(page, path: str) -> None:
    """Staff click the row's link in an admin list and land on that page."""
    page.locator(f"main a[href='{path}']").first.click()
    page.wait_for_url(f"**{path}")


def stripe_checkout(*, code: str, email: str) -> bytes:
    """Stripe's checkout.session.completed as the fixture has it, for this friend, carrying the graduate's
    code where our checkout hand-off puts it."""
    event = fixture_json("stripe", "checkout.session.completed")
    session = event["data"]["object"]
    session["client_reference_id"] = code
    session["customer_details"].update(email=email, name="Jo Park")
    return json.dumps(event).encode()


def test_a_friend_on_a_phone_joins_buys_and_the_graduate_gets_their_gift_shipped(
    browser, phone, desktop, live_server, program, admin_user, settings
):
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_SECRET
    settings.STRIPE_API_KEY = ""
    program = map_program(program, ids=[("stripe", "product", "plink_1QfocusLink01")], lessons=[])
    link = make_link(program, email=GRADUATE, reward_kind=RewardKind.GIFT)
    refund_window = link.program.referral_plans.get().refund_window_days
    hub = live_server.url + links.hub_path(link.student)
    mail.outbox = []

    # 1. The friend opens the graduate's link on their phone and registers on the landing page.
    phone.goto(f"{live_server.url}/r/{link.code}")
    phone.wait_for_url(f"{live_server.url}/join/{link.code}/")
    phone.wait_for_selector("text=An invitation from Maria")
    assert ReferralClick.objects.filter(link=link).count() == 1
    assert_fits(phone)
    phone.fill("#id_first_name", "Jo")
    phone.fill("#id_last_name", "Park")
    phone.fill("#id_email", FRIEND)
    phone.check("#id_marketing")
    phone.check("#id_share_name")  # the graduate may read "Jo", not "a friend"
    phone.click("button:has-text('Register now')")
    phone.wait_for_selector("text=Check your inbox")
    assert_fits(phone)
    assert FriendLead.objects.get().status == LeadStatus.PENDING
    assert graduate_emails(GRADUATE) == []  # nobody is told anything before the friend confirms

    # The one email to the friend; they open its link on the phone and confirm.
    [confirmation] = [m for m in mail.outbox if m.to == [FRIEND] and "/confirm/" in m.body]
    confirm_url = re.search(r"https?://\S+/confirm/\S+/", confirmation.body).group(0)
    phone.goto(live_server.url + urlsplit(confirm_url).path)
    phone.wait_for_selector("button:has-text('Yes, confirm my place')")
    assert_fits(phone)
    phone.click("button:has-text('Yes, confirm my place')")
    phone.wait_for_selector("text=You're in")
    assert_fits(phone)
    lead = FriendLead.objects.get()
    assert lead.status == LeadStatus.ENROLLED and lead.link_id == link.pk
    assert JOINED in graduate_emails(GRADUATE)

    # 2. The friend buys at Stripe: the signed webhook reaches our door and is stored, then processed.
    body = stripe_checkout(code=link.code, email=FRIEND)
    answer = desktop.request.post(
        f"{live_server.url}/api/v1/webhooks/stripe",
        data=body,
        headers={"Content-Type": "application/json", "Stripe-Signature": stripe_signature(body)},
    )
    assert answer.ok, answer.text()
    event = InboundEvent.objects.get(source="stripe", accepted=True)
    assert event.verified
    assert inbound.event_process(event_id=event.pk) == Outcome.PROCESSED  # as the task runner; once only
    assert inbound.event_process(event_id=event.pk) == Outcome.PROCESSED
    purchase = Purchase.objects.get()
    assert (purchase.email, purchase.order_id, purchase.ref) == (FRIEND, "pi_3QfocusIntent01", link.code)

    # The friend's confirmed registration was their first conversion (credited to Maria, held for the
    # refund window); the purchase, while nothing was given for it, takes its place: credited to Maria
    # by the code it carried and held for the refund window of its own (a refund would cancel it).
    joined = Conversion.objects.get(source="")
    bought = Conversion.objects.get(source="stripe")
    assert (joined.status, joined.is_first, joined.rule, joined.link_id) == (
        Status.SUPERSEDED,
        False,
        Rule.LEAD,
        link.pk,
    )
    assert (bought.status, bought.is_first, bought.link_id) == (Status.HELD, True, link.pk)
    assert bought.evidence["code"]["code"] == link.code
    assert not Reward.objects.exists()
    assert graduate_emails(GRADUATE) == [JOINED]  # the same friend paying is not news twice

    # 3. Staff read the conversions and the evidence behind Maria's credit.
    log_in(desktop, live_server)
    desktop.goto(f"{live_server.url}/admin/conversions/")
    listing = desktop.inner_text("main")
    assert listing.count(FRIEND) == 2 and "Held for the refund window" in listing
    assert "Replaced by the friend's purchase" in listing
    open_from_list(desktop, reverse("referrals_conversion:inspect", args=[joined.pk]))
    evidence = desktop.inner_text("main")
    assert "Evidence (rule: The friend's lead (registered through a link))" in evidence
    click = ReferralClick.objects.get(link=link)
    assert f'"link": "{link.code}"' in evidence
    assert click.clicked_at.isoformat() in evidence and lead.registered_at.isoformat() in evidence
    assert lead.confirmed_at.isoformat() in evidence
    desktop.go_back()
    open_from_list(desktop, reverse("referrals_conversion:inspect", args=[bought.pk]))
    evidence = desktop.inner_text("main")
    assert '"field": "ref"' in evidence and f'"value": "{link.code}"' in evidence

    # The graduate's hub meanwhile: Jo joined, the thank-you comes after the refund window.
    phone.goto(hub)
    card = phone.inner_text("section.special-link")
    assert "Jo" in card and "enrolled" in card and "a friend joined — your thank-you from" in card
    assert_fits(phone)

    # 4. The refund window passes: the periodic release approves the conversion and the gift is released.
    assert conversions.conversions_release_due(now=bought.hold_until - timedelta(minutes=1)) == 0
    assert conversions.conversions_release_due(now=timezone.now() + timedelta(days=refund_window + 1)) == 1
    reward = Reward.objects.get()
    assert (reward.student_id, reward.kind, reward.status) == (link.student_id, RewardKind.GIFT, RewardStatus.RELEASED)

    # 5. The graduate opens their hub on the phone, sees the thank-you released and gives an address.
    phone.goto(hub)
    card = phone.inner_text("section.special-link")
    assert "earned — see your thank-you below" in card and "released — tell us where to send it" in card
    assert_fits(phone)
    phone.click("text=Enter your shipping address")
    phone.wait_for_selector("text=Where should we send your thank-you?")
    assert_fits(phone)
    phone.click("button:has-text('Save the address')")  # empty: refused, nothing saved
    phone.wait_for_selector("text=Please check the fields marked below.")
    assert_fits(phone)
    phone.fill("#id_ship_name", "Maria Lopez")
    phone.fill("#id_ship_line1", "1 Rue Haute")
    phone.fill("#id_ship_postcode", "75001")
    phone.fill("#id_ship_city", "Paris")
    phone.fill("#id_ship_country", "France")
    phone.click("button:has-text('Save the address')")
    phone.wait_for_selector("text=Change the shipping address")
    reward.refresh_from_db()
    assert reward.has_address and reward.ship_city == "Paris"

    # Staff find it in Rewards, read the address and mark it shipped with a tracking note.
    desktop.goto(f"{live_server.url}/admin/rewards/?status=released&kind=gift")
    assert GRADUATE in desktop.inner_text("main")
    open_from_list(desktop, reverse("referrals_reward:inspect", args=[reward.pk]))
    shipping = desktop.inner_text("main")
    assert "1 Rue Haute" in shipping and "75001" in shipping and "Paris" in shipping
    desktop.fill("#id_note", "La Poste 6A12345678901")
    desktop.click("button:has-text('Mark shipped')")
    desktop.wait_for_selector("text=Marked shipped: the graduate's hub says so.")
    reward.refresh_from_db()
    assert (reward.status, reward.tracking_note) == (RewardStatus.FULFILLED, "La Poste 6A12345678901")

    # The graduate reloads the hub: shipped, with the tracking note; no address form any more.
    phone.reload()
    phone.wait_for_selector("text=shipped")
    card = phone.inner_text("section.special-link")
    [row] = phone.locator("[aria-label='Your thank-yous'] li").all_inner_texts()
    assert row.startswith("Thank-you 1: ") and "shipped" in row and "La Poste 6A12345678901" in row
    assert "shipping address" not in card
    assert_fits(phone)

    # The graduate was told at each step, once: Jo joined, the thank-you released, the gift shipped.
    assert graduate_emails(GRADUATE) == [JOINED, "Your thank-you for bringing Jo is ready", SHIPPED]
    [shipped] = [m for m in mail.outbox if m.subject == SHIPPED]
    assert "Tracking: La Poste 6A12345678901" in shipped.body
