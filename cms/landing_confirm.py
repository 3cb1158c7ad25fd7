"""The friend's confirmation link (from the one email a registration sends): the owner of the address
says yes, and only then are they enrolled, the graduate credited and told.

Mail security scanners open every link of an email as it arrives, and not all of them say who they are
(campaigns/bots.py knows many by name, not all). So opening the link never confirms anything: the GET
shows what is being confirmed and a button, and the button POSTs (with the CSRF token of that page).
Scanners fetch links; they do not submit forms. A confirmed link shows the outcome again on every
visit (twice is once); an expired or tampered one gets a page with the way back to the landing page.
"""

from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from campaigns import friends, referrals
from campaigns.models import Enrollment
from referrals.models import LeadStatus


@require_http_methods(["GET", "POST"])
def confirm(request, code: str, token: str):
    code = referrals.normalize_code(code)
    check = friends.read_confirm_token(token, code=code)
    if not check.ok or check.lead.status == LeadStatus.CHECKOUT:  # checkout leads are never sent a link
        problem = check.problem or "invalid"
        return render(
            request,
            "cms/landing_confirm_problem.html",
            {"problem": problem, "code": code or "unknown"},
            status=410 if problem == "expired" else 400,
        )
    lead = check.lead
    if request.method == "POST":
        friends.lead_confirm(lead_id=lead.pk)
        return redirect(request.path)  # post/redirect/get: a reload shows the outcome, never posts again
    context = {"lead": lead, "program": lead.program}
    if lead.confirmed_at is None:
        return render(request, "cms/landing_confirm.html", {**context, "state": "ask"})
    enrollment = Enrollment.objects.filter(student_id=lead.student_id, program=lead.program).first()
    starts_later = enrollment is not None and timezone.localtime(enrollment.starts_at).date() > timezone.localdate()
    state = "enrolled" if lead.status == LeadStatus.ENROLLED else "already"
    return render(
        request,
        "cms/landing_confirm.html",
        {**context, "state": state, "starts_on": enrollment.starts_at if starts_later else None},
    )
