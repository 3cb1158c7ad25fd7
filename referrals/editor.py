"""The program editor's referral ask: its checks (merge fields, consistency, the SMART-I report) and
the offer a new ask starts from.

The SMART-I check runs on the ask as a graduate would read it: merge fields are rendered with
this program's values (its mission, the count and window set here) and sample personal values.
Publishing with unmet criteria needs the explicit "publish with unmet criteria" box.
"""

from datetime import timedelta

from django.utils import timezone
from modelcluster.forms import BaseChildFormSet
from wagtail.admin.panels import HelpPanel, InlinePanel

from campaigns.choices import RegistrationStatus
from campaigns.sample_values import PREVIEW_LINKS, SAMPLE_QUOTE, mission_progress_line
from mailers import merge
from referrals import smarti
from referrals.models import EnrollmentMode, FriendOffer, default_offer
from referrals.rewards import rules
from referrals.rewards.models import ACCESS_KINDS, NO_THANK_YOU, RewardKind
from referrals.selectors import plan_for

REFERRAL_FIELDS = {
    "first_name": "The graduate's first name",
    "testimonial_quote": "The graduate's own testimonial, quoted back",
    "mission_statement": "The program's mission statement",
    "mission_progress": "How far the mission has come",
    "mission_goal": "The mission's goal",
    "ask_count": "How many people the ask names (e.g. 1–3)",
    "ask_deadline": "The end of the ask's window (e.g. by Monday 30 November)",
    "special_link": "The graduate's special-access link",
    "friend_offer": "What the friend gets through the link",
    "thank_you": "The graduate's thank-you",
}
for _name, _description in REFERRAL_FIELDS.items():
    if _name not in merge.KNOWN_FIELDS:
        merge.register_field(_name, _description)

# The plan's fields the sample values read (previews, the live report, check_copy --program).
PLAN_FIELDS = (
    "ask_count_min",
    "ask_count_max",
    "ask_window_days",
    "friend_offer_text",
    "thank_you_text",
    "reward_kind",
)


def plan_data(plan, tiers: list | None = None) -> dict:
    """The sample values' input from a saved (or draft) plan: its fields and the promise it makes."""
    if plan is None:
        return {}
    return {**{name: getattr(plan, name) for name in PLAN_FIELDS}, "thank_you": rules.promise(plan, tiers)}


def sample_values(
    *,
    data: dict,
    mission_statement: str,
    mission_unit: str = "people",
    mission_goal=None,
    mission_reached: int = 0,
    special_link: str | None = None,
) -> dict:
    """The ask's merge values from the program's own figures (``mission_reached``: its real progress)
    and sample personal values (a name, a testimonial); the link is a sample on this site."""
    low, high = data.get("ask_count_min") or 1, data.get("ask_count_max") or 3
    deadline = timezone.now() + timedelta(days=data.get("ask_window_days") or 7)
    unit = mission_unit or "people"
    return {
        "first_name": "Maria",
        "testimonial_quote": SAMPLE_QUOTE,
        "mission_statement": mission_statement,
        "mission_progress": mission_progress_line(reached=mission_reached or 0, unit=unit, goal=mission_goal),
        # No goal yet (a draft): no value, so the report says the field is empty rather than invent one.
        "mission_goal": f"{mission_goal:,} {unit}" if mission_goal else "",
        "ask_count": str(low) if low == high else f"{low}–{high}",
        "ask_deadline": f"by {deadline:%A %-d %B}",
        "special_link": special_link or PREVIEW_LINKS.special_link(),
        "friend_offer": data.get("friend_offer_text") or "",
        "thank_you": _promised(data),
    }


def _promised(data: dict) -> str:
    """{{ thank_you }}: the promise already built from the plan and its tiers, or the plan's words (none
    when its kind is "no thank-you")."""
    if "thank_you" in data:
        return data["thank_you"] or ""
    if data.get("reward_kind") == NO_THANK_YOU:
        return ""
    return data.get("thank_you_text") or ""


def program_check_values(program) -> dict:
    """``check_copy --kind referral_ask --program SLUG``: the values the program editor's SMART-I report
    uses for this program (its mission, its ask's count and window, sample personal values)."""
    data = plan_data(plan_for(program.pk))
    return sample_values(
        data=data,
        mission_statement=program.mission_statement,
        mission_unit=program.mission_unit,
        mission_goal=program.mission_goal,
    )


def smart_i_report(
    *, data: dict, mission_statement: str, mission_unit: str = "people", mission_goal=None, mission_reached: int = 0
):
    values = sample_values(
        data=data,
        mission_statement=mission_statement,
        mission_unit=mission_unit,
        mission_goal=mission_goal,
        mission_reached=mission_reached,
    )
    return smarti.check_referral_ask(
        subject=data.get("ask_subject") or "",
        body=data.get("ask_body") or "",
        values=values,
        mission_statement=mission_statement,
    )


def check_program_form(form) -> None:
    tiers = check_tiers(form)
    formset = form.formsets.get("referral_plans")
    if formset is None or not formset.is_bound:
        return
    deleted = set(formset.deleted_forms) if formset.is_valid() else set()
    page = form.cleaned_data
    for plan_form in formset.forms:
        if plan_form in deleted or not plan_form.is_valid() or not plan_form.cleaned_data:
            continue
        _check_one(
            plan_form,
            page=page,
            publishing=form.is_publishing,
            reached=_reached(form),
            tiers=tiers,
            own=form.instance.pk,
        )
    tier_forms = form.formsets.get("reward_tiers")
    tier_errors = tier_forms is not None and tier_forms.is_bound and bool(tier_forms.non_form_errors())
    if tier_errors or any(f.errors for f in formset.forms if f not in deleted):
        form.add_error(None, "The referral ask needs attention (see the Referral ask tab).")


def _live(formset) -> list:
    """The formset's forms that stay (not deleted, not an untouched extra form), in the editor's order."""
    forms = [f for f in formset.forms if (f.has_changed() or f.instance.pk) and not f.data.get(f.add_prefix("DELETE"))]
    return sorted(forms, key=lambda f: (f.cleaned_data.get("ORDER") or 0) if hasattr(f, "cleaned_data") else 0)


def check_tiers(form) -> list:
    """The thank-you tiers' checks (every save, drafts too: a tier is a rule money-free and unambiguous or
    nothing); the tiers that stay, as unsaved rows, for the ask's promise."""
    formset = form.formsets.get("reward_tiers")
    if formset is None or not formset.is_bound:
        return []
    formset.is_valid()  # runs each form's own validation first
    live = _live(formset)
    for tier_form in live:
        data = getattr(tier_form, "cleaned_data", {})
        _check_delivery(
            tier_form,
            data,
            kind=data.get("kind"),
            url="booking_url",
            target="target_program",
            ref="target_ref",
            own=form.instance.pk,
        )
    # In the editor's order: each threshold higher than the one above it.
    thresholds = [f.cleaned_data.get("friends") for f in live if f.cleaned_data.get("friends")]
    problems = []
    for n in sorted({n for n in thresholds if thresholds.count(n) > 1}):
        problems.append(f"Two tiers are at {n} friends: give each tier its own number of friends.")
    if not problems and thresholds != sorted(thresholds):
        order = ", ".join(str(n) for n in thresholds)
        problems.append(f"Put the tiers in order, fewest friends first (now {order}).")
    if problems:
        formset._non_form_errors = formset.error_class(problems, renderer=formset.renderer)
    return [f.instance for f in live if not f.errors]


def _check_delivery(f, data: dict, *, kind, url: str, target: str, ref: str, own) -> None:
    """What a kind needs to be delivered: a booking link its address; access a target (a program here,
    not this one, or your platform's name for it)."""
    if kind == RewardKind.BOOKING_LINK and not data.get(url):
        f.add_error(url, "A booking link needs the address where they book.")
    if kind in ACCESS_KINDS:
        program = data.get(target)
        if program is None and not (data.get(ref) or "").strip():
            f.add_error(target, "Choose the program they get, or name it as your platform knows it.")
        elif program is not None and own and program.pk == own:
            f.add_error(target, "Choose another program: graduates of this one are in it already.")


def _reached(form) -> int:
    """The mission's progress with the starting count being published."""
    from campaigns.selectors import program_mission_progress

    start = form.cleaned_data.get("mission_start_count") or 0
    if not form.instance.pk:
        return start
    return start + program_mission_progress(program=form.instance).reached - (form.instance.mission_start_count or 0)


def _check_one(
    plan_form, *, page: dict, publishing: bool, reached: int = 0, tiers: list | None = None, own=None
) -> None:
    data = plan_form.cleaned_data
    kind = data.get("reward_kind")
    if not tiers and kind and kind != NO_THANK_YOU and not (data.get("thank_you_text") or "").strip():
        plan_form.add_error("thank_you_text", "Say in plain words what the graduate gets, or choose “No thank-you”.")
    if not tiers and kind in ACCESS_KINDS:
        _check_delivery(
            plan_form,
            data,
            kind=kind,
            url="reward_booking_url",
            target="reward_target_program",
            ref="reward_target_ref",
            own=own,
        )
    if (data.get("ask_count_min") or 0) > (data.get("ask_count_max") or 0):
        plan_form.add_error("ask_count_max", "The most people to ask for must be at least the fewest.")
    if data.get("enrollment_mode") == EnrollmentMode.CHECKOUT and not data.get("checkout_url"):
        plan_form.add_error("checkout_url", "Give your checkout page's address, or enroll friends here.")
    if data.get("friend_offer") == FriendOffer.DISCOUNT and not (data.get("discount_code") or "").strip():
        plan_form.add_error("discount_code", "A discount offer needs its code.")
    for name in ("ask_subject", "ask_body"):
        for problem in merge.check(data.get(name) or "", allowed=set(REFERRAL_FIELDS)):
            plan_form.add_error(name, problem)
    if not publishing or plan_form.errors:
        return
    report = smart_i_report(
        data={**data, "thank_you": rules.promise(plan_form.instance, tiers or [])} if tiers else data,
        mission_statement=page.get("mission_statement") or "",
        mission_unit=page.get("mission_unit") or "people",
        mission_goal=page.get("mission_goal"),
        mission_reached=reached,
    )
    unmet = [c.reason for c in report.criteria.values() if not c.met]
    if unmet and not data.get("publish_with_unmet_criteria"):
        plan_form.add_error(
            "ask_body",
            f"SMART-I {report.score}/6 — " + " ".join(unmet) + " Fix these, or tick “publish with unmet criteria”.",
        )


class ReferralPlanFormSet(BaseChildFormSet):
    """A new referral ask (the editor's "Add referral ask" template) starts from an offer that fits the
    program's registration state: a bonus while anyone may register, a place while closed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The program as it is when the editor opens (not as a refused POST would leave it).
        self.new_offer = default_offer(registration_open=self.instance.registration_status == RegistrationStatus.OPEN)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is None:  # the empty form only: bound forms keep the model's initial for has_changed()
            offer, text = self.new_offer
            kwargs["initial"] = {**kwargs.get("initial", {}), "friend_offer": offer, "friend_offer_text": text}
        return kwargs


class ReferralPlanInlinePanel(InlinePanel):
    """The program's referral ask in its editor tab, edited through ``ReferralPlanFormSet``."""

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["formset"] = ReferralPlanFormSet
        return options


# The "Referral ask" tab (composed with the other tabs in cms/program_editor.py).
PANELS = [
    HelpPanel(
        content="<p>Only happy graduates who wrote a testimonial are asked, and never while a "
        "support case is open. Make the ask SMART-I: Specific people, a Measurable number, an "
        "Actionable step (their special link), Relevant to your mission, Time-bound, Inspiring. "
        "The report updates as you type and is checked again when you publish.</p>"
    ),
    ReferralPlanInlinePanel("referral_plans", heading="Referral ask", label="Referral ask", min_num=0, max_num=1),
    HelpPanel(
        content="<p><strong>Thank-you tiers</strong> (optional): a different thank-you at, say, 1, 3 and 5 "
        "friends, each given once when the graduate's friends who joined reach it. With tiers, the ask promises "
        "them ({{ thank_you }}) instead of the thank-you above and its “one for every N”.</p>"
    ),
    InlinePanel("reward_tiers", heading="Thank-you tiers", label="Thank-you tier", min_num=0, max_num=10),
]
