"""The referral half's public pages.

- The special link itself: ``/r/<code>`` counts a person's visit and sends them to the landing page;
  ``/r/<code>/qr.png|svg`` is the link as a QR code for the graduate to show or print.
- The friend's landing page (``/join/<code>/``): who invited them, that graduate's testimonial (as
  consent allows), the mission, the offer in plain words, and registration — even while public
  registration is closed — then the "check your inbox" page.
- The friend's confirmation link (from the one email a registration sends): the owner of the address
  says yes, and only then are they enrolled, the graduate credited and told.

Mail security scanners open every link of an email as it arrives, and not all of them say who they are
(campaigns/bots.py knows many by name, not all). So opening the confirmation link never confirms
anything: the GET shows what is being confirmed and a button, and the button POSTs (with the CSRF token
of that page). Scanners fetch links; they do not submit forms. A confirmed link shows the outcome again
on every visit (twice is once); an expired or tampered one gets a page with the way back to the landing
page.
"""

import hashlib
import io
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import segno
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.views.decorators.http import require_http_methods

from campaigns import bots, ratelimit
from campaigns.models import Enrollment, ProgramPage
from campaigns.selectors import program_mission_progress
from referrals import clicks, leads
from referrals.forms import FriendForm
from referrals.landing_state import landing_state
from referrals.models import EnrollmentMode, FriendOffer, LeadStatus, ReferralClick
from referrals.selectors import access_until, link_by_code, link_url, normalize_code, plan_for
from testimonials.models import Testimonial

# --- The special link ------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def click(request, code: str):
    """Record the visit (people only, once per browser per day) and redirect — 302, never 301,
    so browsers and proxies come back here every time and every visit can be counted."""
    normalized = normalize_code(code)
    landing = reverse("referral_landing", args=[normalized or "unknown"])
    # A path we built: nothing from the request decides where it goes. (HttpResponseRedirect, not
    # redirect(): that first tries the path as a URL name, a failed reverse() on every click.)
    response = HttpResponseRedirect(landing)
    if not normalized or bots.is_bot(request):
        return response  # scanners and previews are sent on, never counted, never given a cookie
    visitor = clicks.visitor_id(request) or clicks.new_visitor_id()
    client = clicks.click_client(ratelimit.client_ip(request))
    # One statement finds the live link and records the visit (nothing for an unknown or revoked code).
    ReferralClick.objects.record(code=normalized, visitor=visitor, client=client)
    # Secure under SECURE=true (production over HTTPS): the visitor id never travels in clear text.
    # (getattr: SECURE is a production setting; elsewhere the site may be served over plain HTTP.)
    response.set_cookie(
        clicks.VISITOR_COOKIE,
        visitor,
        max_age=clicks.VISITOR_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(getattr(settings, "SECURE", False)),
    )
    return response


def qr(request, code: str, fmt: str):
    link = link_by_code(code)
    if link is None or link.revoked_at or fmt not in ("png", "svg"):
        return HttpResponse("Unknown link", status=404, content_type="text/plain")
    symbol = segno.make(link_url(link.code), error="m")
    buffer = io.BytesIO()
    if fmt == "svg":
        symbol.save(buffer, kind="svg", scale=8, border=2, xmldecl=False)
        content_type = "image/svg+xml"
    else:
        symbol.save(buffer, kind="png", scale=10, border=2)
        content_type = "image/png"
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    response["Content-Disposition"] = f'inline; filename="{link.code}.{fmt}"'
    return response


# --- The friend's landing page -----------------------------------------------------------------


PROGRAM_FACTS_SECONDS = 30
# Within FORM_RATE_WINDOW_SECONDS: posts from one address, registrations through one link.
REGISTER_PER_IP = 20
REGISTER_PER_LINK = 30


def _program_facts(*, program_id: int, revision_id: int | None):
    """The program's referral plan and mission progress, shared by every visit for a few seconds:
    the page is opened in bursts when a graduate shares, and these change rarely (a plan edit, a
    new enrollment). What a graduate's consent governs (name, testimonial) is never cached."""
    # "referrals": the cached plan is pickled with its class's module; facts cached by a release
    # whose models lived in campaigns must read as a miss, not fail to unpickle, during a deploy.
    key = f"landing-facts:referrals:{program_id}:{revision_id}"
    facts = cache.get(key)
    if facts is None:
        program = ProgramPage.objects.get(pk=program_id)
        facts = (plan_for(program_id), program_mission_progress(program=program))
        cache.set(key, facts, PROGRAM_FACTS_SECONDS)
    return facts


# The friendly page says it in words; the status says it to crawlers, link checkers and the access log:
# no such invitation (404), or one that existed and is gone (410).
UNAVAILABLE_STATUS = {"unknown": 404, "revoked": 410, "expired": 410}


def _unavailable(request, *, reason: str, program_id: int | None):
    live = ProgramPage.objects.live().order_by("title")
    programs = list(live.filter(pk=program_id)) if program_id else []
    context = {"reason": reason, "programs": programs or list(live)}
    return render(request, "referrals/landing_unavailable.html", context, status=UNAVAILABLE_STATUS[reason])


@require_http_methods(["GET", "POST"])
def landing(request, code: str):
    code = normalize_code(code)
    state = landing_state(code=code)
    if state is None:
        return _unavailable(request, reason="unknown", program_id=None)
    if state.revoked or not state.program_live:
        return _unavailable(request, reason="revoked", program_id=state.program_id)
    plan, mission = _program_facts(program_id=state.program_id, revision_id=state.program_revision_id)
    now = timezone.now()
    until = access_until(first_click=state.first_click, plan=plan, now=now)
    if until < now:
        return _unavailable(request, reason="expired", program_id=state.program_id)
    until_label = date_format(timezone.localtime(until), "j F Y")  # the day in the site's time zone
    blank_key = _blank_page_key(state)
    if request.method == "GET":
        page = cache.get(blank_key)
        if page is not None:
            return HttpResponse(_personalize(request, page, until_label))

    link = link_by_code(code)
    if link is None:  # erased between the two reads
        return _unavailable(request, reason="unknown", program_id=None)
    program = link.program
    form = FriendForm(request.POST or None)
    status = 200
    if request.method == "POST":
        # Every post from an address counts (spam, guessing); against a link only registrations
        # count, so typos, or someone hammering the form with junk, cannot close a graduate's link.
        if not ratelimit.allow(scope="register-ip", key=ratelimit.client_ip(request), limit=REGISTER_PER_IP):
            form.add_error(None, "Too many tries from here in a short time; please try again in a few minutes.")
            status = 429
        elif ratelimit.used(scope="register-code", key=link.code) >= REGISTER_PER_LINK:
            form.add_error(None, "Many people registered through this link just now; please try again shortly.")
            status = 429
        elif form.is_valid() and not form.cleaned_data.get("website"):
            try:
                leads.lead_register(
                    link=link,
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    email=form.cleaned_data["email"],
                    marketing_consent=form.cleaned_data["marketing"],
                    share_name=form.cleaned_data["share_name"],
                    inviter=state.inviter,
                    offer_until=until,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                ratelimit.allow(scope="register-code", key=link.code, limit=REGISTER_PER_LINK)
                # The same answer for a new address, a repeat and an existing student's (decided by the
                # plan, never by who the address belongs to): the page reveals nobody.
                return _after_registration(plan, link.code)
        elif form.is_valid():
            # The hidden field was filled: answer like a success, record nothing.
            return _after_registration(plan, link.code)
        if form.errors and status == 200:
            status = 400
    testimonial = None
    if state.testimonial_shows:
        # Still visible now (withdrawn since the state was read? then not on this page either).
        testimonial = Testimonial.objects.visible().filter(pk=state.testimonial.pk).first()
        if testimonial is not None:
            testimonial.student = link.student  # already loaded: its attribution needs no query
    context = {
        "program": program,
        "plan": plan,
        "inviter": state.inviter,
        "testimonial": testimonial,
        "mission": mission,
        "access_until_label": until_label,
        "form": form,
        "field_errors": any(name != "__all__" for name in form.errors),
        "is_discount": plan is not None and plan.friend_offer == FriendOffer.DISCOUNT,
        "to_checkout": plan is not None and plan.enrollment_mode == EnrollmentMode.CHECKOUT,
    }
    if request.method == "POST":
        return render(request, "referrals/landing.html", context, status=status)
    page = render_to_string(
        "referrals/landing.html", {**context, "csrf_token": CSRF_MARK, "access_until_label": UNTIL_MARK}
    )
    cache.set(blank_key, page, PROGRAM_FACTS_SECONDS)
    return HttpResponse(_personalize(request, page, until_label))


WELCOME_SALT = "landing-welcome"
WELCOME_MAX_AGE = 24 * 3600


def _after_registration(plan, code: str):
    if leads.hands_off_to_checkout(plan) and plan.checkout_url:
        # The creator's own checkout URL from the plan, never a URL from the request.
        return redirect(checkout_url_with_ref(plan.checkout_url, code))
    return _to_welcome(code)


# Stripe's hosted checkouts (Payment Links, Checkout Sessions) drop query parameters they do not know
# (ref, utm_*): the one they keep and hand to the webhook is client_reference_id.
STRIPE_CHECKOUT_HOSTS = ("buy.stripe.com", "checkout.stripe.com")


def checkout_url_with_ref(url: str, code: str) -> str:
    """The creator's checkout URL carrying the friend's code where the checkout keeps it (their own URL:
    never one from the request): ``client_reference_id=<code>`` for Stripe, ``ref=<code>`` elsewhere."""
    parts = urlsplit(url)
    name = "client_reference_id" if (parts.hostname or "").lower() in STRIPE_CHECKOUT_HOSTS else "ref"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name] + [(name, code)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _to_welcome(code: str):
    """After a registration, a redirect to the "check your inbox" page (post/redirect/get: a reload or the
    back button never posts the form again). The token says a registration led there."""
    return redirect("referral_welcome", code=code, token=signing.dumps(code, salt=WELCOME_SALT, compress=True))


@require_http_methods(["GET"])
def welcome(request, code: str, token: str):
    code = normalize_code(code)
    try:
        signed_code = signing.loads(token, salt=WELCOME_SALT, max_age=WELCOME_MAX_AGE)
    except signing.BadSignature:
        signed_code = None
    link = link_by_code(code) if signed_code == code else None
    if link is None:
        return redirect("referral_landing", code=code or "unknown")
    plan = plan_for(link.program_id)
    context = {
        "program": link.program,
        "to_checkout": leads.hands_off_to_checkout(plan),
        "confirm_days": leads.CONFIRM_MAX_AGE // 86400,
    }
    return render(request, "referrals/landing_registered.html", context)


def _blank_page_key(state) -> str:
    """The page with its empty form is rendered once per state and reused: a shared link is opened
    in bursts. The key holds everything the page shows that may change — the graduate's name, the
    testimonial's state (so a withdrawal or a rejection shows at once), the program's revision — and
    the program facts are at most 30 s old; the visitor's CSRF token and the access date (the link's,
    which moves with today until its first click) are put in per request (_personalize)."""
    parts = (state.link_id, state.first_name, state.last_name, state.program_revision_id, state.testimonial)
    return "landing-page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _personalize(request, page: str, until_label: str) -> str:
    token = get_token(request)  # also sets the CSRF cookie, as {% csrf_token %} would
    return page.replace(CSRF_MARK, escape(token)).replace(UNTIL_MARK, escape(until_label))


CSRF_MARK = "@@CSRF-TOKEN@@"
UNTIL_MARK = "@@ACCESS-UNTIL@@"


# --- The friend's confirmation -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def confirm(request, code: str, token: str):
    code = normalize_code(code)
    check = leads.read_confirm_token(token, code=code)
    if not check.ok or check.lead.status == LeadStatus.CHECKOUT:  # checkout leads are never sent a link
        problem = check.problem or "invalid"
        return render(
            request,
            "referrals/landing_confirm_problem.html",
            {"problem": problem, "code": code or "unknown"},
            status=410 if problem == "expired" else 400,
        )
    lead = check.lead
    if request.method == "POST":
        leads.lead_confirm(lead_id=lead.pk)
        return redirect(request.path)  # post/redirect/get: a reload shows the outcome, never posts again
    context = {"lead": lead, "program": lead.program}
    if lead.confirmed_at is None:
        return render(request, "referrals/landing_confirm.html", {**context, "state": "ask"})
    enrollment = Enrollment.objects.filter(student_id=lead.student_id, program=lead.program).first()
    starts_later = enrollment is not None and timezone.localtime(enrollment.starts_at).date() > timezone.localdate()
    state = "enrolled" if lead.status == LeadStatus.ENROLLED else "already"
    return render(
        request,
        "referrals/landing_confirm.html",
        {**context, "state": state, "starts_on": enrollment.starts_at if starts_later else None},
    )
