"""One function renders every email: subject, text and HTML from a kind, copy and merge values."""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from mailers import kinds, merge, tokens


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    unsubscribe_url: str


def absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def recipient_links(email: str) -> dict[str, str]:
    token = tokens.make(email)
    return {
        "unsubscribe_url": absolute(reverse("mailers:unsubscribe", args=[token])),
        "preferences_url": absolute(reverse("mailers:preferences", args=[token])),
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
    layout = {
        "subject": subject,
        "site_name": settings.WAGTAIL_SITE_NAME,
        "is_marketing": kind.is_marketing,
        "unsubscribe_url": values["unsubscribe_url"],
        "preferences_url": values["preferences_url"],
        "program_title": values.get("program_title", ""),
    }
    text = render_to_string("mailers/email/base.txt", {**layout, "body": body_text})
    html = render_to_string("mailers/email/base.html", {**layout, "body": mark_safe(body_html)})  # noqa: S308 - escaped by merge_html
    return Rendered(subject=subject, text=text, html=html, unsubscribe_url=str(values["unsubscribe_url"]))
