"""The program editor's checks of its feedback request (registered with campaigns' ProgramPageForm)."""

from mailers import merge

PLAN_FIELDS = {"first_name", "full_name", "program_title"}


def check_program_form(form) -> None:
    formset = form.formsets.get("feedback_plans")
    if formset is None or not formset.is_bound:
        return
    deleted = set(formset.deleted_forms) if formset.is_valid() else set()
    slugs = form.milestone_slugs()
    for plan_form in formset.forms:
        if plan_form in deleted or not plan_form.is_valid():
            continue
        data = plan_form.cleaned_data
        if not data:
            continue
        slug = data.get("after_milestone_slug", "")
        if slug and slug not in slugs:
            available = ", ".join(slugs) or "none"
            plan_form.add_error(
                "after_milestone_slug", f"No milestone {slug!r} in this program; milestones: {available}."
            )
        happy, neutral = data.get("happy_min"), data.get("neutral_min")
        if happy is not None and neutral is not None and not 1 <= neutral <= happy <= 10:
            plan_form.add_error("neutral_min", "The neutral threshold must be from 1 up to the happy threshold (≤ 10).")
        for name in ("email_subject", "email_intro", "testimonial_subject", "testimonial_intro"):
            for problem in merge.check(data.get(name) or "", allowed=PLAN_FIELDS):
                plan_form.add_error(name, problem)
        if not [q for q in (data.get("questions") or "").splitlines() if q.strip()]:
            plan_form.add_error("questions", "Ask at least one question that makes students recall what changed.")
    if any(f.errors for f in formset.forms if f not in deleted):
        form.add_error(None, "The feedback request needs attention (see the Feedback & testimonials tab).")
