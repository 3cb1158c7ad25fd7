"""The friend's landing page: who invited them, that graduate's testimonial (as consent allows), the
mission, the offer in plain words, and registration — even while public registration is closed."""

import hashlib

from django import forms
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.views.decorators.http import require_http_methods

from campaigns import friends, ratelimit, referrals
from campaigns.models import ProgramPage
from campaigns.names import validate_person_name
from campaigns.selectors import program_mission_progress
from cms.landing_state import landing_state
from referrals.models import EnrollmentMode, FriendOffer
from testimonials.models import Testimonial


class FriendForm(forms.Form):
    # The name reaches the graduate's inbox ("Jo joined through your link"): a name, never a message.
    first_name = forms.CharField(label="First name", max_length=100, validators=[validate_person_name])
    last_name = forms.CharField(
        label="Last name (optional)", max_length=100, required=False, validators=[validate_person_name]
    )
    email = forms.EmailField(label="Email", max_length=254)
    # Registering and agreeing to marketing email are two choices: this one is optional.
    marketing = forms.BooleanField(
        label="Also email me about the program: short prompts at milestones and asking how it is going "
        "(optional; you can stop them at any time).",
        required=False,
    )
    # A field people never see: bots that fill every input give themselves away.
    website = forms.CharField(required=False, widget=forms.TextInput({"tabindex": "-1", "autocomplete": "off"}))


PROGRAM_FACTS_SECONDS = 30
# Within FORM_RATE_WINDOW_SECONDS: posts from one address, registrations through one link.
REGISTER_PER_IP = 20
REGISTER_PER_LINK = 30


def _program_facts(*, program_id: int, revision_id: int | None):
    """The program's referral plan and mission progress, shared by every visit for a few seconds:
    the page is opened in bursts when a graduate shares, and these change rarely (a plan edit, a
    new enrollment). What a graduate's consent governs (name, testimonial) is never cached."""
    key = f"landing-facts:{program_id}:{revision_id}"
    facts = cache.get(key)
    if facts is None:
        program = ProgramPage.objects.get(pk=program_id)
        facts = (referrals.plan_for(program_id), program_mission_progress(program=program))
        cache.set(key, facts, PROGRAM_FACTS_SECONDS)
    return facts


def _unavailable(request, *, reason: str, program_id: int | None):
    live = ProgramPage.objects.live().order_by("title")
    programs = list(live.filter(pk=program_id)) if program_id else []
    return render(request, "cms/landing_unavailable.html", {"reason": reason, "programs": programs or list(live)})


@require_http_methods(["GET", "POST"])
def landing(request, code: str):
    code = referrals.normalize_code(code)
    state = landing_state(code=code)
    if state is None:
        return _unavailable(request, reason="unknown", program_id=None)
    if state.revoked or not state.program_live:
        return _unavailable(request, reason="revoked", program_id=state.program_id)
    plan, mission = _program_facts(program_id=state.program_id, revision_id=state.program_revision_id)
    now = timezone.now()
    until = referrals.access_until(first_click=state.first_click, plan=plan, now=now)
    if until < now:
        return _unavailable(request, reason="expired", program_id=state.program_id)
    until_label = date_format(timezone.localtime(until), "j F Y")  # the day in the site's time zone
    blank_key = _blank_page_key(state)
    if request.method == "GET":
        page = cache.get(blank_key)
        if page is not None:
            return HttpResponse(_personalize(request, page, until_label))

    link = referrals.link_by_code(code)
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
                friends.lead_register(
                    link=link,
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    email=form.cleaned_data["email"],
                    marketing_consent=form.cleaned_data["marketing"],
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
        return render(request, "cms/landing.html", context, status=status)
    page = render_to_string("cms/landing.html", {**context, "csrf_token": CSRF_MARK, "access_until_label": UNTIL_MARK})
    cache.set(blank_key, page, PROGRAM_FACTS_SECONDS)
    return HttpResponse(_personalize(request, page, until_label))


WELCOME_SALT = "landing-welcome"
WELCOME_MAX_AGE = 24 * 3600


def _after_registration(plan, code: str):
    if friends.hands_off_to_checkout(plan) and plan.checkout_url:
        # The creator's own checkout URL from the plan, never a URL from the request.
        return redirect(referrals.checkout_url_with_ref(plan.checkout_url, code))
    return _to_welcome(code)


def _to_welcome(code: str):
    """After a registration, a redirect to the "check your inbox" page (post/redirect/get: a reload or the
    back button never posts the form again). The token says a registration led there."""
    return redirect("referral_welcome", code=code, token=signing.dumps(code, salt=WELCOME_SALT, compress=True))


@require_http_methods(["GET"])
def welcome(request, code: str, token: str):
    code = referrals.normalize_code(code)
    try:
        signed_code = signing.loads(token, salt=WELCOME_SALT, max_age=WELCOME_MAX_AGE)
    except signing.BadSignature:
        signed_code = None
    link = referrals.link_by_code(code) if signed_code == code else None
    if link is None:
        return redirect("referral_landing", code=code or "unknown")
    plan = referrals.plan_for(link.program_id)
    context = {
        "program": link.program,
        "to_checkout": friends.hands_off_to_checkout(plan),
        "confirm_days": friends.CONFIRM_MAX_AGE // 86400,
    }
    return render(request, "cms/landing_registered.html", context)


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
