"""The program editor as composed in cms/program_editor.py: its tabs in the method's order, its
preview modes, and a publish check from each phase app."""

import re

import pytest

from campaigns.models import ProgramPage
from tests.factories import home_page

pytestmark = pytest.mark.django_db


def test_the_editor_shows_the_tabs_in_the_methods_order(admin_client):
    home = home_page()
    html = admin_client.get(f"/admin/pages/add/campaigns/programpage/{home.pk}/").content.decode()
    tabs = re.findall(r'role="tab"[^>]*>\s*(?:<[^>]+>\s*)*([^<]+?)\s*<', html)
    assert [t for t in tabs if t.strip()][:6] == [
        "Content",
        "Sharing prompts",
        "Feedback &amp; testimonials",
        "Referral ask",
        "Integrations",
        "Promote",
    ]


def test_the_preview_menu_offers_the_page_its_prompts_and_its_emails(program):
    assert [name for name, _ in program.preview_modes] == ["", "sharing_prompts", "emails"]


def test_each_phase_app_checks_its_part_before_publishing():
    checks = [check.__module__ for check in ProgramPage.editor.publish_checks]
    assert checks == ["sharing_prompts.forms", "testimonials.forms", "referrals.editor", "integrations.editor"]
