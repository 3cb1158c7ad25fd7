"""Registers the non-salesy check with campaigns' copy-check registry.

``SharingPromptsConfig.ready()`` calls ``register_checks()``; after that the editor and
``manage.py check_copy --kind sharing_prompt`` can run it.
"""

from dataclasses import asdict

from campaigns import copy_checks
from sharing_prompts.salesy import check_sharing_prompt


def sharing_prompt_report(text: str, *, checkout_url: str = "", site_url: str = "") -> dict:
    """``{"salesy": bool, "findings": [{"phrase", "reason"}, …]}`` for one sharing prompt."""
    findings = check_sharing_prompt(text, checkout_url=checkout_url, site_url=site_url)
    return {"salesy": bool(findings), "findings": [asdict(finding) for finding in findings]}


def register_checks() -> None:
    copy_checks.register("sharing_prompt", sharing_prompt_report)
