"""The friend's landing page: who invited them, that graduate's testimonial (as consent allows), the
mission, the offer in plain words, and registration — even while public registration is closed."""

import hashlib

from django import forms
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

from campaigns import ratelimit, referrals
from campaigns.models import EnrollmentMode, FriendOffer, LeadStatus, ProgramPage
from campaigns.referral_views import VISITOR_COOKIE
from campaigns.selectors import program_mission_progress
from testimonials.models import Consent, Testimonial


class FriendForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name (optional)", max_length=100, required=False)
    email = forms.EmailField(label="Email", max_length=254)
    consent = forms.BooleanField(
        label="Yes, email me about this program (you can unsubscribe at any time).",
        error_messages={"required": "Tick the box so we may write to you about the program."},
    )
    # A field people never see: bots that fill every input give themselves away.
    website = forms.CharField(required=False, widget=forms.TextInput({"tabindex": "-1", "autocomplete": "off"}))


def _inviter(link) -> tuple[str, Testimonial | None]:
    """The graduate's name as their testimonial's consent allows, and the testimonial if it may show."""
    testimonial = Testimonial.objects.filter(
        student_id=link.student_id, program_id=link.program_id, withdrawn_at__isnull=True
    ).first()
    if testimonial is not None:
        testimonial.student = link.student  # the same row, already loaded: its attribution needs no query
    named = testimonial is not None and testimonial.consent in (Consent.FULL, Consent.FIRST_NAME)
    name = (link.student.first_name or "a graduate") if named else "a graduate"
    return name, (testimonial if testimonial is not None and testimonial.is_visible else None)


PROGRAM_FACTS_SECONDS = 30


def _program_facts(program: ProgramPage):
    """The program's referral plan and mission progress, shared by every visit for a few seconds:
    the page is opened in bursts when a graduate shares, and these change rarely (a plan edit, a
    new enrollment). What a graduate's consent governs (name, testimonial) is never cached."""
    key = f"landing-facts:{program.pk}:{program.latest_revision_id}"
    facts = cache.get(key)
    if facts is None:
        facts = (referrals.plan_for(program.pk), program_mission_progress(program=program))
        cache.set(key, facts, PROGRAM_FACTS_SECONDS)
    return facts


def _unavailable(request, *, reason: str, program: ProgramPage | None):
    programs = [program] if program else list(ProgramPage.objects.live().order_by("title"))
    return render(request, "cms/landing_unavailable.html", {"reason": reason, "programs": programs})


@require_http_methods(["GET", "POST"])
def landing(request, code: str):
    link = referrals.link_by_code(code)
    if link is None:
        return _unavailable(request, reason="unknown", program=None)
    program = link.program
    if link.revoked_at or not program.live:
        return _unavailable(request, reason="revoked", program=program if program.live else None)
    plan, mission = _program_facts(program)
    now = timezone.now()
    visitor = request.COOKIES.get(VISITOR_COOKIE, "")
    until = referrals.access_until(
        first_visit=referrals.first_visit(link=link, visitor=visitor) if visitor else None, plan=plan, now=now
    )
    if until < now:
        return _unavailable(request, reason="expired", program=program)
    form = FriendForm(request.POST or None)
    status = 200
    if request.method == "POST":
        ip = ratelimit.client_ip(request)
        if not (
            ratelimit.allow(scope="register-ip", key=ip, limit=10)
            and ratelimit.allow(scope="register-code", key=link.code, limit=30)
        ):
            form.add_error(None, "Too many registrations from here in a short time; please try again in a few minutes.")
            status = 429
        elif form.is_valid() and not form.cleaned_data.get("website"):
            try:
                lead = referrals.lead_register(
                    link=link,
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    email=form.cleaned_data["email"],
                    consent=form.cleaned_data["consent"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if lead.status == LeadStatus.CHECKOUT and plan and plan.checkout_url:
                    # The creator's own checkout URL from the plan, never a URL from the request.
                    return redirect(referrals.checkout_url_with_ref(plan.checkout_url, link.code))
                return render(request, "cms/landing_registered.html", {"lead": lead, "program": program})
        elif form.is_valid():
            # The hidden field was filled: answer like a success, record nothing.
            return render(request, "cms/landing_registered.html", {"lead": None, "program": program})
        if form.errors and status == 200:
            status = 400
    inviter, testimonial = _inviter(link)
    context = {
        "program": program,
        "plan": plan,
        "inviter": inviter,
        "testimonial": testimonial,
        "mission": mission,
        "access_until_label": date_format(until, "j F Y"),
        "form": form,
        "is_discount": plan is not None and plan.friend_offer == FriendOffer.DISCOUNT,
        "to_checkout": plan is not None and plan.enrollment_mode == EnrollmentMode.CHECKOUT,
    }
    if request.method == "POST":
        return render(request, "cms/landing.html", context, status=status)
    return HttpResponse(_blank_page(request, link=link, program=program, testimonial=testimonial, context=context))


def _blank_page(request, *, link, program, testimonial, context) -> str:
    """The page with its empty form, rendered once per state and reused: a shared link is opened in
    bursts. The key holds everything the page shows that may change — the testimonial's state (so a
    withdrawal or rejection shows at once), the program's revision — and the program facts' 30 s; the
    visitor's CSRF token and access date are put in per request."""
    state = (
        (testimonial.pk, testimonial.updated_at.isoformat(), testimonial.status, testimonial.consent)
        if testimonial
        else ()
    )
    key = (
        "landing-page:"
        + hashlib.sha256(
            repr((link.pk, link.student.first_name, program.latest_revision_id, context["inviter"], state)).encode()
        ).hexdigest()
    )
    page = cache.get(key)
    if page is None:
        template_context = {**context, "csrf_token": CSRF_MARK, "access_until_label": UNTIL_MARK}
        page = render_to_string("cms/landing.html", template_context)
        cache.set(key, page, PROGRAM_FACTS_SECONDS)
    token = get_token(request)  # also sets the CSRF cookie, as {% csrf_token %} would
    return page.replace(CSRF_MARK, escape(token)).replace(UNTIL_MARK, escape(context["access_until_label"]))


CSRF_MARK = "@@CSRF-TOKEN@@"
UNTIL_MARK = "@@ACCESS-UNTIL@@"
