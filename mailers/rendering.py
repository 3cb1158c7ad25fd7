"""One function renders every email: subject, text and HTML from a kind, copy and merge values."""

import functools
import re
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from mailers import kinds, merge, tokens
from mailers.models import Category


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
    subject_copy, body_copy = _copy(kind, context)
    subject = _subject(subject_copy, values)
    program_title = str(values.get("program_title", "") or "")
    shape = (settings.WAGTAIL_SITE_NAME, kind.is_marketing, bool(program_title))
    unsubscribe_url, preferences_url = str(values["unsubscribe_url"]), str(values["preferences_url"])
    text = _fill(
        _layout("mailers/email/base.txt", *shape),
        {
            "SUBJECT": subject,
            "BODY": merge.merge_text(body_copy, values),
            "UNSUBSCRIBE": unsubscribe_url,
            "PREFERENCES": preferences_url,
            "PROGRAM": program_title,
        },
    )
    html = _fill(
        _layout("mailers/email/base.html", *shape),
        {
            "SUBJECT": escape(subject),
            "BODY": merge.merge_html(body_copy, values),
            "UNSUBSCRIBE": escape(unsubscribe_url),
            "PREFERENCES": escape(preferences_url),
            "PROGRAM": escape(program_title),
        },
    )
    return Rendered(subject=subject, text=text, html=html, unsubscribe_url=unsubscribe_url)


def email_headers(*, category: str, idempotency_key: str, unsubscribe_url: str) -> dict[str, str]:
    headers = {"X-Engine-Message": idempotency_key}
    if category in Category.marketing():
        # RFC 8058 one-click unsubscribe: mailbox providers POST to this URL.
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def _copy(kind: kinds.EmailKind, context: dict) -> tuple[str, str]:
    return context.get("subject") or kind.subject, context.get("body") or kind.body


def _subject(subject_copy: str, values: dict) -> str:
    return " ".join(merge.merge_text(subject_copy, values).split())[:255]


# --- Batch sending: one copy rendered once, with the provider's merge fields ------------
#
# The provider fills each recipient's values in. Every value has up to three forms, since
# the same value lands in different places: ``t_<field>`` raw (text part, subject),
# ``h_<field>`` as the HTML body shows it (escaped, URLs made links), ``e_<field>`` escaped
# (the HTML layout's attributes and footer). The subject is a value of its own
# (``s_text``/``s_html``): it is whitespace-normalised and cut to 255 characters after
# merging, which no placeholder could do, and so messages with different subject copy can
# share one call.


@dataclass(frozen=True)
class BatchTemplate:
    subject: str
    text: str
    html: str
    keys: frozenset[str]  # the per-recipient values the template uses


@dataclass(frozen=True)
class RecipientValues:
    subject: str
    unsubscribe_url: str
    data: dict[str, str]  # key -> value, the recipient's merge data


def batch_key(kind_name: str, context: dict) -> tuple:
    """Messages with equal keys can share one rendered template (the layout's shape included)."""
    kind = kinds.get(kind_name)
    return (kind_name, _copy(kind, context)[1], bool(context.get("program_title")))


def batch_template(*, kind_name: str, context: dict, placeholder) -> BatchTemplate:
    """The copy of ``context`` rendered once with ``placeholder(key)`` for every per-recipient value.

    Raises MergeError for unsafe copy; fields without values show up per recipient instead
    (in ``batch_values``), as they do when rendering one message.
    """
    kind = kinds.get(kind_name)
    body_copy = _copy(kind, context)[1]
    fields = list(dict.fromkeys(merge.FIELD.findall(body_copy)))
    for key in ("x", *fields):
        if escape(placeholder(key)) != placeholder(key):
            raise ValueError(f"merge field format {placeholder(key)!r} changes when HTML-escaped")
    shape = (settings.WAGTAIL_SITE_NAME, kind.is_marketing, bool(context.get("program_title")))
    layout = {"UNSUBSCRIBE": "unsubscribe_url", "PREFERENCES": "preferences_url", "PROGRAM": "program_title"}
    text = _fill(
        _layout("mailers/email/base.txt", *shape),
        {
            "SUBJECT": placeholder("s_text"),
            "BODY": merge.merge_text(body_copy, {name: placeholder(f"t_{name}") for name in fields}),
            **{marker: placeholder(f"t_{name}") for marker, name in layout.items()},
        },
    )
    html = _fill(
        _layout("mailers/email/base.html", *shape),
        {
            "SUBJECT": placeholder("s_html"),
            "BODY": merge.merge_html(body_copy, {name: placeholder(f"h_{name}") for name in fields}),
            **{marker: placeholder(f"e_{name}") for marker, name in layout.items()},
        },
    )
    candidates = {"s_text", "s_html"} | {f"{part}_{name}" for part in "the" for name in (*fields, *layout.values())}
    used = frozenset(key for key in candidates if placeholder(key) in text or placeholder(key) in html)
    return BatchTemplate(subject=placeholder("s_text"), text=text, html=html, keys=used | {"s_text"})


def batch_values(*, kind_name: str, to_email: str, to_name: str, context: dict, keys) -> RecipientValues:
    """One recipient's values for a BatchTemplate: exactly what ``render`` would have put in."""
    kind = kinds.get(kind_name)
    values = merge_values(to_email=to_email, to_name=to_name, context=context)
    if not isinstance(values.get("program_title"), str):
        raise TypeError("program_title is not text")  # render() shows it as "" in the footer, "None" in the body
    subject = _subject(_copy(kind, context)[0], values)
    missing = sorted({key[2:] for key in keys if key[0] in "the"} - set(values))
    if missing:
        raise merge.MergeError([f"no value for {{{{ {name} }}}}" for name in missing])
    forms = {"t": merge.value_text, "h": merge.value_html, "e": lambda value: escape(str(value))}
    data = {
        key: (subject if key == "s_text" else escape(subject)) if key[0] == "s" else forms[key[0]](values[key[2:]])
        for key in keys
    }
    return RecipientValues(subject=subject, unsubscribe_url=str(values["unsubscribe_url"]), data=data)


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
