"""One way to write a figure: the dashboard showed "1234" beside "1,234" and "100.0%" beside "12%"."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from campaigns.figures import figure


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0, "0"),
        (1234, "1,234"),
        (1_000_000, "1,000,000"),
        (-12, "-12"),
        (100.0, "100"),
        (12.5, "12.5"),
        (12.46, "12.5"),
        (1234.56, "1,234.6"),
        (Decimal("49.00"), "49"),
        (None, ""),
        ("n/a", "n/a"),
        (True, "True"),
    ],
)
def test_figure(value, shown):
    assert figure(value) == shown


def test_the_template_filter_is_the_same_and_escapes():
    rendered = Template("{% load figures %}{{ n|figure }} {{ s|figure }}").render(Context({"n": 4321, "s": "<b>"}))
    assert rendered == "4,321 &lt;b&gt;"
