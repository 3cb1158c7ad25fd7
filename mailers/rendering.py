"""One function renders every email: subject, text and HTML from a kind, copy and merge values."""

import functools
import re
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from mailers import kinds, merge, tokens


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    unsubscribe_url: str


def absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


@functools.cache
def _link_patterns(base_url: str) -> tuple[str, str]:
    # reverse() once per base URL: it costs more than the rest of a message's links together.
    return (
        absolute(reverse("mailers:unsubscribe", args=["TOKEN"])),
        absolute(reverse("mailers:preferences", args=["TOKEN"])),
    )


def recipient_links(email: str) -> dict[str, str]:
    token = tokens.make(email)
    unsubscribe, preferences = _link_patterns(settings.WAGTAILADMIN_BASE_URL)
    return {
        "unsubscribe_url": unsubscribe.replace("TOKEN", token),
        "preferences_url": preferences.replace("TOKEN", token),
    }


def merge_values(*, to_email: str, to_name: str, context: dict) -> dict[str, object]:
    first = (to_name or "").split(" ")[0] or "there"
    values: dict[str, object] = {"first_name": first, "full_name": to_name or first, "program_title": ""}
    values.update(recipient_links(to_email))
    values.update({k: v for k, v in context.items() if k not in ("subject", "body")})
    return values


def render(*, kind_name: str, to_email: str, to_name: str, context: dict) -> Rendered:
    """Raises merge.MergeError when the copy uses a field without a value or unsafe syntax."""
    kind = kinds.get(kind_name)
    values = merge_values(to_email=to_email, to_name=to_name, context=context)
    subject_copy = context.get("subject") or kind.subject
    body_copy = context.get("body") or kind.body
    subject = " ".join(merge.merge_text(subject_copy, values).split())[:255]
    body_text = merge.merge_text(body_copy, values)
    body_html = merge.merge_html(body_copy, values)
    program_title = str(values.get("program_title", "") or "")
    shape = (settings.WAGTAIL_SITE_NAME, kind.is_marketing, bool(program_title))
    unsubscribe_url, preferences_url = str(values["unsubscribe_url"]), str(values["preferences_url"])
    text = _fill(
        _layout("mailers/email/base.txt", *shape),
        {
            "SUBJECT": subject,
            "BODY": body_text,
            "UNSUBSCRIBE": unsubscribe_url,
            "PREFERENCES": preferences_url,
            "PROGRAM": program_title,
        },
    )
    html = _fill(
        _layout("mailers/email/base.html", *shape),
        {
            "SUBJECT": escape(subject),
            "BODY": body_html,
            "UNSUBSCRIBE": escape(unsubscribe_url),
            "PREFERENCES": escape(preferences_url),
            "PROGRAM": escape(program_title),
        },
    )
    return Rendered(subject=subject, text=text, html=html, unsubscribe_url=unsubscribe_url)


# The layout is ours, not the creator's: Django renders it once per shape with these markers
# in place of the per-message values, which are then spliced in, already escaped for HTML.
# (Rendering the template for every message cost as much as the rest of sending.)
MARKER = re.compile(r"@@(SUBJECT|BODY|UNSUBSCRIBE|PREFERENCES|PROGRAM)@@")


@functools.lru_cache(maxsize=64)
def _layout(template_name: str, site_name: str, is_marketing: bool, has_program: bool) -> str:
    return render_to_string(
        template_name,
        {
            "subject": "@@SUBJECT@@",
            "body": "@@BODY@@",
            "site_name": site_name,
            "is_marketing": is_marketing,
            "unsubscribe_url": "@@UNSUBSCRIBE@@",
            "preferences_url": "@@PREFERENCES@@",
            "program_title": "@@PROGRAM@@" if has_program else "",
        },
    )


def _fill(layout: str, values: dict[str, str]) -> str:
    # One pass: a value that happens to contain a marker is not expanded again.
    return MARKER.sub(lambda match: values[match.group(1)], layout)
