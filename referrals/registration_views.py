"""The public program page's forms — register while open, "tell me when it opens" while closed — and
the confirmation link their emails carry (/register/confirm/<token>/).

The guarantees are the friend's (referrals/leads.py): the same answer for every address, nothing
changed for a person who exists, nobody enrolled or told anything before the owner of the address
confirms; a honeypot, CSRF (Django's middleware on Wagtail's page view), rate limits, post/redirect/get.
Opening the confirmation link never confirms (mail scanners fetch links): the GET shows a button.
"""

from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from campaigns import ratelimit
from campaigns.models import Enrollment
from referrals import leads
from referrals.forms import ProgramRegisterForm, WaitlistForm
from referrals.models import LeadStatus
from referrals.selectors import plan_for

# Within FORM_RATE_WINDOW_SECONDS: posts from one address (the friend form's scope: one budget for both
# public forms), and registrations on one program's page.
REGISTER_PER_IP = 20
REGISTER_PER_PROGRAM = 60


def serve_program_page(page, request, render_page):
    """ProgramPage.serve: GET renders the page (``render_page(context)``); POST takes the form the
    page shows now (registration when open, the waitlist when closed) and redirects."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    is_open = page.is_registration_open
    form_class = ProgramRegisterForm if is_open else WaitlistForm
    if request.method != "POST":
        sent = request.GET.get("sent")
        return render_page({"form": form_class(), "sent": sent if sent in ("register", "waitlist") else ""})
    form = form_class(request.POST)
    status = 400
    plan = plan_for(page.pk)
    if not ratelimit.allow(scope="register-ip", key=ratelimit.client_ip(request), limit=REGISTER_PER_IP):
        form.add_error(None, "Too many tries from here in a short time; please try again in a few minutes.")
        status = 429
    elif ratelimit.used(scope="register-program", key=str(page.pk)) >= REGISTER_PER_PROGRAM:
        form.add_error(None, "Many people registered just now; please try again shortly.")
        status = 429
    elif form.is_valid() and form.cleaned_data.get("website"):
        return _after(page, plan, is_open)  # the hidden field was filled: answer like a success, record nothing
    elif form.is_valid():
        data = form.cleaned_data
        try:
            leads.lead_register(
                program=page,
                waitlist=not is_open,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                email=data["email"],
                marketing_consent=data["marketing"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            ratelimit.allow(scope="register-program", key=str(page.pk), limit=REGISTER_PER_PROGRAM)
            # The same answer for a new address, a repeat and an existing student's: the page reveals nobody.
            return _after(page, plan, is_open)
    response = render_page({"form": form, "sent": "", "field_errors": any(n != "__all__" for n in form.errors)})
    response.status_code = status
    return response


def _after(page, plan, is_open: bool):
    if is_open and leads.hands_off_to_checkout(plan) and plan.checkout_url:
        # The creator's own checkout URL from the plan, never a URL from the request.
        return redirect(plan.checkout_url)
    # Post/redirect/get: a reload or the back button never posts the form again. The query only picks
    # the "check your inbox" note; typing it proves nothing and changes nothing.
    return redirect(f"{page.url}?sent={'register' if is_open else 'waitlist'}#register")


@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    check = leads.read_confirm_token(token, code=leads.PROGRAM_PAGE_CODE)
    # A friend's lead is confirmed at its own URL; checkout leads are never sent a link.
    if not check.ok or check.lead.via_link_id is not None or check.lead.status == LeadStatus.CHECKOUT:
        problem = check.problem or "invalid"
        return render(
            request,
            "referrals/registration/confirm_problem.html",
            {"problem": problem},
            status=410 if problem == "expired" else 400,
        )
    lead = check.lead
    if request.method == "POST":
        leads.lead_confirm(lead_id=lead.pk)
        return redirect(request.path)  # post/redirect/get: a reload shows the outcome, never posts again
    context = {"lead": lead, "program": lead.program, "waitlist": lead.status == LeadStatus.WAITLIST}
    if lead.confirmed_at is None:
        return render(request, "referrals/registration/confirm.html", {**context, "state": "ask"})
    if lead.status == LeadStatus.WAITLIST:
        return render(request, "referrals/registration/confirm.html", {**context, "state": "waitlisted"})
    enrollment = Enrollment.objects.filter(student_id=lead.student_id, program=lead.program).first()
    starts_later = enrollment is not None and timezone.localtime(enrollment.starts_at).date() > timezone.localdate()
    state = "enrolled" if lead.status == LeadStatus.ENROLLED else "already"
    return render(
        request,
        "referrals/registration/confirm.html",
        {**context, "state": state, "starts_on": enrollment.starts_at if starts_later else None},
    )
