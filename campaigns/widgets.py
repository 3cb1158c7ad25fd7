"""Admin widgets shared by the program editor's tabs."""

import zoneinfo

from django import forms


class MilestoneSlugInput(forms.TextInput):
    """A milestone slug field that suggests the program's milestones as the creator types.

    The suggestions are read from the *Milestones* panel of the same page (milestone_choices.js),
    so a milestone added in this edit is offered before it is saved. It stays a text field: the
    form's publish check still names any slug that matches no milestone.
    """

    def __init__(self, attrs=None):
        suggest = {"list": "program-milestones", "autocomplete": "off", "data-milestone-slug": ""}
        super().__init__({**suggest, **(attrs or {})})

    class Media:
        js = ["campaigns/milestone_choices.js"]


class MilestoneSlugFromTitle(forms.TextInput):
    """A milestone's own slug: filled from its title as the creator types (milestone_slug.js), until the
    creator edits the slug by hand. The form makes it from the title too when left empty."""

    def __init__(self, attrs=None):
        super().__init__({"data-slug-from-title": "", **(attrs or {})})

    class Media:
        js = ["campaigns/milestone_slug.js"]


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class TimeZoneSelect(forms.Select):
    """The student's time zone, chosen from the zones this server knows (a typo cannot be saved; the
    model refuses any other value too). Typing in the closed list jumps to a zone, as in any select."""

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=time_zone_choices())
