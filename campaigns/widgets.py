"""Admin widgets shared by the program editor's tabs."""

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
