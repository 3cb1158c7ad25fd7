"""The program page of the dashboard: filters (cohort, dates), the funnel with its doors, NPS by week."""

from datetime import date

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from campaigns.models import Enrollment, ProgramPage
from campaigns.selectors import counting_simulated
from cms.dashboard import charts, health, metrics

EARLIEST = date(2000, 1, 1)  # anything earlier is a typo, not history


class DashboardFilters(forms.Form):
    cohort = forms.CharField(required=False, max_length=60)
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="Until", widget=forms.DateInput(attrs={"type": "date"}))
    with_simulated = forms.BooleanField(required=False, label="Include simulated students")

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        for name in ("start", "end"):
            value = data.get(name)
            if value and not (EARLIEST <= value <= date(2100, 12, 31)):
                self.add_error(name, "Choose a date between 2000 and 2100.")
        if start and end and start > end:
            self.add_error("end", "The end date is before the start date: swap them.")
        cohort = data.get("cohort")
        if cohort and not Enrollment.objects.filter(program_id=self.program.pk, cohort=cohort).exists():
            self.add_error("cohort", f"This program has no cohort “{cohort}”.")
        return data


# The referral steps' lists (their filter sets take ?step=; referrals/admin_filters.py).
REFERRAL_LISTS = {
    "link_clicks": "referrals_referralclick:index",
    "friends_registered": "referrals_friendlead:index",
    "friends_confirmed": "referrals_friendlead:index",
    "joined": "referrals_conversion:index",
    "rewarded": "referrals_reward:index",
}


def admin_list(name: str, **query) -> str:
    return reverse(name) + "?" + urlencode(query)


def door(program, step, cohort, start, end, with_simulated=False) -> str:
    """The admin list showing exactly the records behind one count: the students list for enrolled and
    the journey steps, the referral lists for the referral steps."""
    if step.key in REFERRAL_LISTS:
        url, query = reverse(REFERRAL_LISTS[step.key]), {"program": program.pk, "step": step.key}
    elif step.key == "enrolled" or step.kind:
        url, query = reverse("campaigns_student:index"), {"program": program.pk, "reached": step.kind or "enrolled"}
    else:
        return ""
    if cohort:
        query["cohort"] = cohort
    if start:
        query["since"] = start.isoformat()
    if end:
        query["until"] = end.isoformat()
    if with_simulated:
        query["with_simulated"] = "true"
    return url + "?" + urlencode(query)


def _now():
    return timezone.now()  # one seam: tests freeze the dashboard's clock here


def duration_text(delta) -> str:
    """ "4 days", "5 hours", "under an hour": how long, for people (never negative)."""
    if delta is None:
        return ""
    hours = max(0, int(delta.total_seconds() // 3600))
    if hours >= 48:
        return f"{hours // 24} days"
    if hours >= 1:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return "under an hour"


WAITING_LISTS = {
    "support": ("testimonials_supportcase:index", {"status": "open"}),
    "moderation": ("testimonials_testimonial:index", {"waiting": "true"}),
    "review": ("referrals_conversion:index", {"status": "held_review"}),
    "owed": ("referrals_reward:index", {"status": "owed"}),
    "ship": ("referrals_reward:index", {"status": "released", "kind": "gift"}),
}


def waiting_rows(program, now):
    rows = []
    for item in health.waiting_for_the_team(program):
        name, query = WAITING_LISTS[item.key]
        rows.append((item, duration_text(item.age(now)), admin_list(name, program=program.pk, **query)))
    return rows


def program_dashboard(request, page_id: int):
    program = ProgramPage.objects.filter(pk=page_id).first()
    if program is None or not program.permissions_for_user(request.user).can_edit():
        raise Http404("No such program")
    form = DashboardFilters(request.GET or None, program=program)
    cohort = start = end = None
    with_simulated = False
    if form.is_bound and form.is_valid():
        cohort, start, end = form.cleaned_data["cohort"] or None, form.cleaned_data["start"], form.cleaned_data["end"]
        with_simulated = form.cleaned_data["with_simulated"]
    valid = not form.is_bound or form.is_valid()
    with counting_simulated(with_simulated):  # rendered inside too: nothing read lazily escapes the choice
        context = _dashboard_context(program, form, valid, cohort, start, end, with_simulated)
        response = render(request, "dashboard/program.html", context)
    return response


def _dashboard_context(program, form, valid, cohort, start, end, with_simulated) -> dict:
    """Every figure of the page, read at once (inside the caller's choice of counting simulated students)."""
    steps = metrics.program_funnel(program, start=start, end=end, cohort=cohort) if valid else []
    rows = [(step, door(program, step, cohort, start, end, with_simulated)) for step in steps]
    weeks = metrics.nps_by_week(program, start=start, end=end, cohort=cohort) if valid else []
    since, until = metrics.day_bounds(start, end)
    prompts = health.prompt_completion(program, since=since, until=until, cohort=cohort) if valid else []
    now = _now()
    delay, delay_n = health.median_reward_delay(program)
    extra = {"with_simulated": "true"} if with_simulated else {}
    advocates = [
        (
            row,
            admin_list(
                "referrals_conversion:index", program=program.pk, step="joined", graduate=row["graduate_id"], **extra
            ),
        )
        for row in health.top_advocates(program)
    ]
    return {
        "with_simulated": with_simulated,
        "program": program,
        "form": form,
        "rows": rows,
        "weeks": weeks,
        "nps_chart": charts.nps_chart(weeks),
        "prompts": prompts,
        "prompts_chart": charts.prompts_chart(prompts),
        "mission": health.mission_pace(program, now=now),
        "advocates": advocates,
        "delay": duration_text(delay),
        "delay_n": delay_n,
        "rewards_url": admin_list("referrals_reward:index", program=program.pk, step="rewarded"),
        "waiting": waiting_rows(program, now),
        "valid": valid,
    }
