"""Every public page, at a phone's and a desktop's size, measured with axe-core (WCAG 2.1 A and AA).

Any critical or serious violation fails, printed rule by rule with the elements it found. At the
phone's size the page must not scroll sideways, and every button, form control and stand-alone
link in the main content is at least 44 × 44 px (links inside running text are exempt, as in
WCAG 2.5.8's "inline" exception)."""

import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import signing
from django.utils import timezone

from campaigns import engine, links
from campaigns import services as journey
from mailers import services as mail_services
from mailers import tokens
from sharing_prompts.models import PromptDelivery
from testimonials import feedback
from testimonials.models import FeedbackResponse
from tests.factories import enroll, feedback_plan, program_page, sharing_prompt, testimonial_wall
from tests.referrals.friend_cases import confirm_path, maria_of_calm

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {
    "phone": {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"critical", "serious"}
MIN_TARGET = 44
LONG_ADDRESS = "a.remarkably.long.address.that.never.breaks.by.itself@families-of-the-mission.example.org"

# The interactive elements a finger has to hit in the main content, each measured by what takes
# the tap: a radio or checkbox inside its label is hit through the label. A link with words of
# its own around it is part of running text (exempt: it can only be as tall as the line).
TARGETS_JS = """
(min) => {
  const visible = (el) => {
    if (el.closest('[aria-hidden=true], .visually-hidden, [hidden]')) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const inRunningText = (a) => Array.from(a.parentElement.childNodes).some(
    (n) => n !== a && n.nodeType === Node.TEXT_NODE && n.textContent.trim() !== ''
  );
  const small = [];
  const seen = new Set();
  document.querySelectorAll('main a[href], main button, main input, main select, main textarea, main summary')
    .forEach((el) => {
      if (el.type === 'hidden' || !visible(el)) return;
      if (el.tagName === 'A' && inRunningText(el)) return;
      let target = el;
      if ((el.type === 'radio' || el.type === 'checkbox') && el.closest('label')) target = el.closest('label');
      if (seen.has(target)) return;
      seen.add(target);
      const r = target.getBoundingClientRect();
      if (r.width < min - 0.5 || r.height < min - 0.5) {
        const name = (target.innerText || target.value || target.getAttribute('aria-label') || '').trim();
        small.push(`${target.tagName.toLowerCase()}${target.id ? '#' + target.id : ''} "${name.slice(0, 40)}": `
          + `${Math.round(r.width)}×${Math.round(r.height)} px`);
      }
    });
  return small;
}
"""


# What axe-core does not measure. A form field's border against what is behind it (WCAG 1.4.11,
# non-text contrast, 3:1), and links that open a new tab without saying so (WCAG 3.2.5 advice: no
# surprise change of context).
FIELDS_JS = """
(need) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const behind = (el) => {
    for (let node = el.parentElement; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const found = [];
  const fields = 'main input:not([type=hidden]):not([type=radio]):not([type=checkbox]), main textarea, main select';
  document.querySelectorAll(fields).forEach((el) => {
    if (el.closest('[aria-hidden=true], .visually-hidden')) return;
    const style = getComputedStyle(el);
    if (parseFloat(style.borderTopWidth) === 0) return;
    const [a, b] = [lum(rgb(style.borderTopColor)), lum(behind(el))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < need) found.push(`#${el.id}: border ${style.borderTopColor} is ${ratio.toFixed(2)}:1`);
  });
  // A field marked invalid names its error message, so a screen reader reads why.
  document.querySelectorAll('main [aria-invalid=true]').forEach((el) => {
    const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
    const said = ids.map((id) => document.getElementById(id)).filter((n) => n && n.textContent.trim());
    if (!said.some((n) => n.classList.contains('error'))) found.push(`#${el.id}: invalid, no error tied to it`);
  });
  document.querySelectorAll('a[target=_blank]').forEach((a) => {
    if (!/opens in a new (tab|window)/i.test(a.textContent + ' ' + (a.getAttribute('aria-label') || ''))) {
      found.push(`link "${a.textContent.trim()}" opens a new tab without saying so`);
    }
  });
  return found;
}
"""


def expired_hub_path(student_id: int, *args, name: str = "hub") -> str:
    """A genuine hub link signed long ago (its signature is valid; only its age is not)."""

    class Long_ago(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - 10 * 365 * 86400)

    token = Long_ago(salt=links.SALT).sign_object(student_id)
    from django.urls import reverse

    return reverse(name, args=[token, *args])


def people():
    """Maria, a graduate with a special link and an approved testimonial; Sam, mid-program with a
    sharing prompt to do and feedback to give; Una, unhappy, on the vent page."""
    maria = maria_of_calm()
    testimonial_wall()
    sleep = program_page(slug="sleep", title="Sleep School", milestones=[("first-win", 7)])
    sharing_prompt(program=sleep)
    plan = feedback_plan(program=sleep, after_milestone_slug="first-win")
    now = timezone.now()
    enrollments = {}
    for name in ("sam", "una"):
        enrollments[name] = enroll(
            program=sleep,
            email=f"{name}@example.org",
            first_name=name.title(),
            now=now - timedelta(days=2),
            starts_at=now - timedelta(days=1),
            marketing_consent=True,
        )
    engine.tick(now=now - timedelta(days=1))
    for enrollment in enrollments.values():
        journey.enrollment_record_milestone(
            enrollment=enrollment, milestone=sleep.milestones.get(), source="t", actor="t", now=now
        )
    engine.tick(now=now)
    mail_services.messages_send_due(now=now)
    responses = {}
    for name, enrollment in enrollments.items():
        responses[name] = FeedbackResponse.objects.filter(enrollment=enrollment).first() or (
            FeedbackResponse.objects.create(
                enrollment=enrollment,
                student_id=enrollment.student_id,
                program=sleep,
                questions=plan.question_list,
            )
        )
    feedback.feedback_submit(
        response=responses["una"], score=2, answers=["Nothing changed for us, and nobody answered my emails."]
    )
    sam = enrollments["sam"]
    delivery = PromptDelivery.objects.get(enrollment=sam)
    return {"maria": maria, "sleep": sleep, "sam": sam, "delivery": delivery, "responses": responses}


def public_pages(base: str, cast: dict) -> list[tuple[str, str]]:
    """(name, path) of every page a student, a graduate, a friend or a recipient reaches by a GET."""
    maria, sleep, sam = cast["maria"], cast["sleep"], cast["sam"]
    sam_token = links.hub_token(sam.student_id)
    score_token = feedback.response_token(cast["responses"]["sam"].pk)
    vent_token = feedback.response_token(cast["responses"]["una"].pk)
    mail_token = tokens.make(LONG_ADDRESS)
    return [
        ("home", "/"),
        ("program page", urlsplit(sleep.full_url).path),
        ("testimonial wall", "/stories/"),
        ("student hub", links.hub_path(sam.student_id)),
        ("sharing prompt", links.hub_path(sam.student_id, "sharing_prompts:prompt", cast["delivery"].pk)),
        ("feedback score", f"/feedback/{score_token}/9/"),
        ("feedback questions", f"/feedback/{score_token}/"),
        ("vent page", f"/feedback/{vent_token}/thanks/"),
        ("testimonial form", f"/me/{sam_token}/testimonial/{sleep.pk}/"),
        ("graduate hub", links.hub_path(maria.student_id)),
        ("friend landing", f"/join/{maria.code}/"),
        ("unknown invitation", "/join/ZZZZ2222/"),
        ("unsubscribe", f"/mail/unsubscribe/{mail_token}/"),
        ("preferences", f"/mail/preferences/{mail_token}/"),
        ("broken mail link", "/mail/preferences/not-a-token/"),
        ("expired hub link", expired_hub_path(sam.student_id)),
        ("not in your hub", links.hub_path(sam.student_id, "sharing_prompts:prompt", cast["delivery"].pk + 999)),
        ("unknown score", f"/feedback/{score_token}/11/"),
        ("broken confirmation link", f"/join/{maria.code}/confirm/not-a-token/"),
        ("fresh link form", "/me/new-link/"),
        ("not found", "/no-such-page/"),
    ]


def problems_on(page, name: str, size: str) -> list[str]:
    """What is wrong with the page as it is shown now, one readable line per element."""
    found = []
    results = Axe().run(page, options=AXE_OPTIONS)
    for violation in results.response["violations"]:
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        found.append(f"[{size}] {name}: {violation['impact']} {violation['id']} — {violation['help']}")
        for node in violation["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            found.append(f"    {' '.join(map(str, node['target']))}: {summary[:300]}")
    for problem in page.evaluate(FIELDS_JS, 3):
        found.append(f"[{size}] {name}: {problem}")
    if size == "phone":
        # Against the phone's own width: a mobile browser widens innerWidth to fit a page that overflows.
        width = SIZES[size]["viewport"]["width"]
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            found.append(f"[{size}] {name}: scrolls sideways ({scroll} px wide on a {width} px screen)")
        for target in page.evaluate(TARGETS_JS, MIN_TARGET):
            found.append(f"[{size}] {name}: tap target under {MIN_TARGET} px — {target}")
    return found


@pytest.mark.parametrize("size", SIZES)
def test_every_public_page_passes_axe_and_fits_a_phone(browser, live_server, size):
    cast = people()
    context = browser.new_context(**SIZES[size])
    page = context.new_page()
    found = []

    def check(name: str) -> None:
        page.wait_for_load_state()
        found.extend(problems_on(page, name, size))

    try:
        for name, path in public_pages(live_server.url, cast):
            page.goto(live_server.url + path)
            check(name)

        # The states a form leads to: its errors, the testimonial form's error, the friend's inbox
        # and confirmation pages.
        sam_form = f"/me/{links.hub_token(cast['sam'].student_id)}/testimonial/{cast['sleep'].pk}/"
        page.goto(live_server.url + sam_form)
        page.fill("#id_text", "Too short")
        page.click("button:has-text('Send my testimonial')")
        page.wait_for_selector(".error")
        check("testimonial form with an error")

        page.goto(live_server.url + f"/mail/unsubscribe/{tokens.make(LONG_ADDRESS)}/")
        page.click("button:has-text('Unsubscribe')")
        page.wait_for_selector("text=You're unsubscribed")
        check("unsubscribed")

        page.goto(live_server.url + "/me/new-link/")
        page.fill("#id_email", "not an address")
        page.click("button:has-text('Email me a fresh link')")
        page.wait_for_selector("[aria-invalid=true]")
        check("fresh link form with an error")
        page.fill("#id_email", "sam@example.org")
        page.click("button:has-text('Email me a fresh link')")
        page.wait_for_selector("text=Check your inbox")
        check("fresh link sent")

        landing = f"/join/{cast['maria'].code}/"
        page.goto(live_server.url + landing)
        page.fill("#id_first_name", "Jo")
        page.fill("#id_email", "not an address")
        page.click("button:has-text('Register now')")
        page.wait_for_selector("[aria-invalid=true]")
        check("friend landing with an error")
        page.fill("#id_email", "jo@example.org")
        page.click("button:has-text('Register now')")
        page.wait_for_selector("text=Check your inbox")
        check("check your inbox")
        page.goto(live_server.url + confirm_path("jo@example.org"))
        check("confirm your place")
        page.click("button:has-text('Yes, confirm my place')")
        page.wait_for_selector("text=You're in")
        check("you're in")
    finally:
        context.close()
    assert not found, "Accessibility problems:\n" + "\n".join(found)
