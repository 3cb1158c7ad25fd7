"""How every record page of the admin (each viewset's Inspect) shows a plain value: "Yes" or "No" for a
boolean and a dash for nothing, where Wagtail printed Python's ``True``, ``False`` and ``None`` ("Next
attempt at: None" on an inbound event); times in the site's time zone, numbers and dates in its format,
as the template's own ``localize`` did. Choices keep their labels (Wagtail asks ``get_<field>_display``
first) and a foreign key to an image or a document keeps Wagtail's own display."""

from django.db import models
from django.utils.formats import localize
from django.utils.timezone import template_localtime
from wagtail.admin.ui.fields import BaseFieldDisplay, register_display_class

NOTHING = "—"


class ValueDisplay(BaseFieldDisplay):
    def render_html(self, parent_context=None) -> str:
        if self.value is None or self.value == "":
            return NOTHING
        return str(localize(template_localtime(self.value)))  # escaped by the {% component %} tag


class YesNoDisplay(BaseFieldDisplay):
    def render_html(self, parent_context=None) -> str:
        if self.value is None:
            return NOTHING
        return "Yes" if self.value else "No"


def install() -> None:
    register_display_class(models.Field, display_class=ValueDisplay)
    register_display_class(models.BooleanField, display_class=YesNoDisplay)
