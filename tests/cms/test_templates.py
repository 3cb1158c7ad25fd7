"""Every template of ours parses, and no comment leaks onto a page.

Django's ``{# … #}`` comments end at the line's end: one opened on a line and closed on a later one
is printed as text (a testimonial wall once showed its card template's comment above every card).
"""

from pathlib import Path

import pytest
from django.template import engines

ROOT = Path(__file__).resolve().parents[2]
APPS = ("campaigns", "cms", "integrations", "mailers", "referrals", "sharing_prompts", "testimonials")
TEMPLATES = sorted(path for app in APPS for path in (ROOT / app / "templates").rglob("*.html"))


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 20


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_one_line_comment_closes_on_its_line(path):
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        opened, closed = line.count("{#"), line.count("#}")
        assert opened == closed, f"{path.name}:{number}: a {{# comment must close on its own line (use {{% comment %}})"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_it_parses(path):
    engines["django"].from_string(path.read_text())
