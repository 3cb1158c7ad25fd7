"""The program editor's checks of its feedback request (registered with campaigns' ProgramPageForm)."""

from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import InlinePanel, get_form_for_model

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


# --- Who may route support cases -------------------------------------------------------------

# Where support cases go (the address they are emailed to, the help desk they are posted to) is
# as sensitive as the cases: an editor who could change it could send every new case, with the
# student's words and address, to themselves. Only those who may handle cases may change it.
SUPPORT_ROUTING_PERMISSION = "testimonials.change_supportcase"
SUPPORT_ROUTING_FIELDS = ("support_email", "helpdesk_webhook_url")


def may_route_support(user) -> bool:
    return bool(user and user.has_perm(SUPPORT_ROUTING_PERMISSION))


class FeedbackPlanForm(WagtailAdminModelForm):
    """The feedback request in the program editor: the support fields are read-only without the
    permission. A disabled field ignores what is posted and keeps the saved value, so a crafted
    POST changes nothing (enforced by the form, not only by what the page shows)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if may_route_support(self.for_user):
            return
        for name in SUPPORT_ROUTING_FIELDS:
            field = self.fields.get(name)
            if field is None:
                continue
            field.disabled = True
            field.help_text = f"{field.help_text} Only people who handle support cases can change this."
            field.error_messages["required"] = (
                "Only people who handle support cases can set where cases go: ask one of them to add it."
            )


class FeedbackPlanInlinePanel(InlinePanel):
    """The program's feedback request, edited with ``FeedbackPlanForm`` and told who is editing.

    Wagtail's ``InlinePanel`` builds its child forms from a plain model form without the user (so
    a child ``FieldPanel(permission=...)`` only hides the field and a POST still sets it); this one
    passes the page form's ``for_user`` on to the child form.
    """

    def get_form_options(self):
        options = super().get_form_options()
        formset = options["formsets"][self.relation_name]
        base = formset.get("form", WagtailAdminModelForm)
        defer = getattr(getattr(base, "_meta", None), "defer_required_on_fields", []) or []
        formset["form"] = get_form_for_model(
            self.db_field.related_model, form_class=FeedbackPlanForm, defer_required_on_fields=defer
        )
        formset["inherit_kwargs"] = ["for_user"]
        return options
