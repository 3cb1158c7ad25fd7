"""The program editor's Integrations tab: which course-platform ids mean this program, and which lesson
means which milestone; with its check (a real milestone, no id claimed by another published program).

The adapters read these rows when they process an event, so an event that came before its mapping
(stored as "unmapped") is processed by a replay once the program is published with it.
"""

from wagtail.admin.panels import HelpPanel, InlinePanel

from integrations.models import MilestonePlatformId, ProgramPlatformId


def check_program_form(form) -> None:
    _check_ids(form)
    _check_lessons(form)


def _live_forms(formset):
    if formset is None or not formset.is_bound:
        return []
    deleted = set(formset.deleted_forms) if formset.is_valid() else set()
    return [f for f in formset.forms if f not in deleted and f.is_valid() and f.cleaned_data]


def _others(model, form, **filters):
    """The same id on another published program: one id must mean one program."""
    rows = model.objects.filter(program__live=True, **filters)
    if form.instance.pk:
        rows = rows.exclude(program_id=form.instance.pk)
    return rows.select_related("program").first()


def _check_ids(form) -> None:
    formset = form.formsets.get("platform_ids")
    seen: set[tuple] = set()
    bad = False
    for id_form in _live_forms(formset):
        data = id_form.cleaned_data
        external_id = (data.get("external_id") or "").strip()
        key = (data.get("platform"), data.get("kind"), external_id)
        if key in seen:
            id_form.add_error("external_id", "This id is listed twice.")
        elif other := _others(ProgramPlatformId, form, platform=key[0], kind=key[1], external_id__iexact=external_id):
            id_form.add_error("external_id", f"Already means the program “{other.program.title}”.")
        seen.add(key)
        bad = bad or bool(id_form.errors)
    if bad:
        form.add_error(None, "A platform id needs attention (see the Integrations tab).")


def _check_lessons(form) -> None:
    formset = form.formsets.get("milestone_platform_ids")
    slugs = form.milestone_slugs()
    seen: set[tuple] = set()
    bad = False
    for lesson_form in _live_forms(formset):
        data = lesson_form.cleaned_data
        slug = data.get("milestone_slug", "")
        external_id = (data.get("external_id") or "").strip()
        key = (data.get("platform"), external_id)
        if slug not in slugs:
            available = ", ".join(slugs) or "none yet: add milestones on the Content tab first"
            lesson_form.add_error("milestone_slug", f"No milestone {slug!r} in this program; milestones: {available}.")
        if key in seen:
            lesson_form.add_error("external_id", "This lesson is listed twice.")
        elif other := _others(MilestonePlatformId, form, platform=key[0], external_id__iexact=external_id):
            lesson_form.add_error("external_id", f"Already means a milestone of “{other.program.title}”.")
        seen.add(key)
        bad = bad or bool(lesson_form.errors)
    if bad:
        form.add_error(None, "A lesson mapping needs attention (see the Integrations tab).")


# The "Integrations" tab (composed with the other tabs in cms/program_editor.py).
PANELS = [
    HelpPanel(
        content="<p>Connect your course platform in <b>Integrations → Platform connections</b>, then say here "
        "which of its products and courses are this program, and which lessons are its milestones. Events "
        "for ids no program has are kept as <i>unmapped</i>: add the id, publish, and replay them from "
        "<b>Integrations → Inbound events</b>.</p>"
    ),
    InlinePanel("platform_ids", heading="Products and courses", label="Platform id", min_num=0),
    InlinePanel("milestone_platform_ids", heading="Lessons that are milestones", label="Lesson", min_num=0),
]
