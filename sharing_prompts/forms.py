"""The program editor's checks of its sharing prompts (registered with campaigns' ProgramPageForm).

Drafts may hold unfinished copy; publishing needs: a real milestone, one prompt per milestone,
known merge fields, and no selling phrases unless the creator overrides with a reason.
"""

from django import forms

from sharing_prompts.prompt_copy import prompt_problems


def check_program_form(form) -> None:
    formset = form.formsets.get("sharing_prompts")
    if formset is None or not formset.is_bound:
        return
    slugs = form.milestone_slugs()
    deleted = set(formset.deleted_forms) if formset.is_valid() else set()
    seen: set[str] = set()
    checkout_url = str(form.cleaned_data.get("checkout_url") or "")
    for prompt_form in formset.forms:
        if prompt_form in deleted or not prompt_form.is_valid():
            continue
        _check_one(prompt_form, slugs=slugs, seen=seen, publishing=form.is_publishing, checkout_url=checkout_url)
    if any(f.errors for f in formset.forms if f not in deleted):
        form.add_error(None, "A sharing prompt needs attention (see the Sharing prompts tab).")


def _check_one(prompt_form: forms.Form, *, slugs: list[str], seen: set[str], publishing: bool, checkout_url: str):
    data = prompt_form.cleaned_data
    slug = data.get("milestone_slug", "")
    if slug not in slugs:
        available = ", ".join(slugs) or "none yet: add milestones on the Content tab first"
        prompt_form.add_error("milestone_slug", f"No milestone {slug!r} in this program; milestones: {available}.")
    elif slug in seen:
        prompt_form.add_error("milestone_slug", f"Another prompt already follows {slug!r}; one prompt per milestone.")
    seen.add(slug)
    if not publishing:
        return
    report = prompt_problems(
        subject=data.get("email_subject", ""),
        ask=data.get("ask", ""),
        example=data.get("example_reflection", ""),
        checkout_url=checkout_url,
    )
    for field_name, problems in report.merge_problems.items():
        for problem in problems:
            prompt_form.add_error(field_name, problem)
    if report.findings and not data.get("publish_despite_findings"):
        listed = "; ".join(f"“{phrase}”: {reason.rstrip('.')}" for phrase, reason in report.findings)
        prompt_form.add_error(
            "ask",
            f"Reads as selling — {listed}. Rewrite it, or tick “publish despite findings” and say why.",
        )
    if data.get("publish_despite_findings") and report.findings and not (data.get("override_reason") or "").strip():
        prompt_form.add_error("override_reason", "Say why these phrases are fine here; it is kept in the revision.")
