"""Admin list exports (Wagtail's CSV and XLSX download, filters applied) that a spreadsheet cannot
turn into a formula.

A cell that begins with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is run as a
formula by Excel and LibreOffice when the file opens; our cells hold what students and friends
typed (names, feedback, testimonials), so each such text cell gets a leading ``'``. Wagtail
already writes an XLSX cell that looks like a formula as text; the prefix makes both formats
say the same. Numbers and dates are left alone (``-3`` stays a number). The CSV is streamed row
by row (Wagtail's ``StreamingHttpResponse``); the XLSX is written in openpyxl's write-only mode.

It lives in the bottom layer so every app's viewsets can use it: ``class XViewSet(SafeExportViewSet,
ModelViewSet)`` with ``list_export = [...]``.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeExportIndexMixin:
    """For an index view (``SpreadsheetExportMixin``): every exported text cell neutralised."""

    def preprocess_field_value(self, field, value, export_format):
        return neutralise(super().preprocess_field_value(field, value, export_format))


class SafeExportViewSet:
    """A ModelViewSet mixin: its index view (whatever class the viewset names) exports safely."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        view = self.index_view_class
        if not issubclass(view, SafeExportIndexMixin):
            self.index_view_class = type(f"SafeExport{view.__name__}", (SafeExportIndexMixin, view), {})
