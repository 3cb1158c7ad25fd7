"""The program editor's "Sharing prompts" tab (composed with the other tabs in cms/program_editor.py)."""

from wagtail.admin.panels import HelpPanel, InlinePanel

PANELS = [
    HelpPanel(
        content="<p>At each milestone where students get a real win, ask them to tell a few people "
        "close to them how it felt. No links, prices, offers or sign-up calls: the non-salesy "
        "check lists anything that reads as selling, as you type and again when you publish.</p>"
    ),
    InlinePanel("sharing_prompts", heading="Sharing prompts", label="Sharing prompt"),
]
