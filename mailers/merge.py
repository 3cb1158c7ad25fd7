"""The small, safe merge-field syntax of creator-written copy: ``{{ first_name }}``.

Creators' text never reaches Django's template engine (it would let CMS text run template
tags). Only ``{{ name }}`` is recognised; anything else that looks like a tag is reported,
so a typo is caught in the editor, not in a student's inbox.
"""

import re

from django.utils.html import conditional_escape, linebreaks, urlize

FIELD = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# Anything template-like that is not a plain field: {% ... %}, {{ a.b }}, {{ x|filter }}, a lone {{ or }}.
SUSPICIOUS = re.compile(r"\{%.*?%\}|\{\{(?!\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\})[^}]*\}?\}?")

# Every merge field a template may use, with what it means (shown in the editor's help).
# Later phases add theirs through register_field().
KNOWN_FIELDS: dict[str, str] = {
    "first_name": "The recipient's first name (or 'there' when unknown)",
    "full_name": "The recipient's full name",
    "program_title": "The program's title",
    "unsubscribe_url": "The recipient's one-click unsubscribe page",
    "preferences_url": "The recipient's email preferences page",
}


def sample_values(**given: object) -> dict[str, object]:
    """A value for every known field the recipient does not supply, for test sends and previews:
    "[mission progress]" unless given (names and unsubscribe links come from the recipient)."""
    personal = {"first_name", "full_name", "unsubscribe_url", "preferences_url"}
    values: dict[str, object] = {name: f"[{name.replace('_', ' ')}]" for name in KNOWN_FIELDS if name not in personal}
    values.update(given)
    return values


def register_field(name: str, description: str) -> None:
    if not FIELD.fullmatch(f"{{{{ {name} }}}}"):
        raise ValueError(f"{name!r} is not a valid merge field name")
    KNOWN_FIELDS[name] = description


class MergeError(ValueError):
    """Copy uses fields that do not exist or syntax that is not allowed; ``problems`` lists each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def check(copy: str, allowed: set[str] | None = None) -> list[str]:
    """Every problem in ``copy``: unknown fields and template syntax we do not run."""
    allowed = set(KNOWN_FIELDS) if allowed is None else allowed
    problems: list[str] = []
    for name in dict.fromkeys(FIELD.findall(copy)):
        if name not in allowed:
            problems.append(f"Unknown merge field {{{{ {name} }}}}; available: {', '.join(sorted(allowed))}.")
    for match in SUSPICIOUS.finditer(copy):
        problems.append(f"{match.group(0)!r} is not a merge field; write fields like {{{{ first_name }}}}.")
    return problems


def merge_text(copy: str, values: dict[str, object]) -> str:
    """Plain-text merge. Raises MergeError when a field has no value or the copy is unsafe."""
    problems = check(copy, allowed=set(values))
    if problems:
        raise MergeError(problems)
    return FIELD.sub(lambda m: value_text(values[m.group(1)]), copy)


def merge_html(copy: str, values: dict[str, object]) -> str:
    """HTML merge: the copy and every value are escaped; paragraphs and links are made from plain text."""
    problems = check(copy, allowed=set(values))
    if problems:
        raise MergeError(problems)
    marker = "\x00{}\x00"
    parts: list[str] = []
    pieces = FIELD.split(copy)  # text, name, text, name, ...
    for index, piece in enumerate(pieces):
        if index % 2:
            parts.append(marker.format(piece))
        else:
            parts.append(piece)
    html = linebreaks(conditional_escape("".join(parts)))
    return re.sub("\x00([A-Za-z_][A-Za-z0-9_]*)\x00", lambda m: value_html(values[m.group(1)]), html)


def is_link_list(value: object) -> bool:
    """A row of links, e.g. the feedback email's 0–10 scale: ``[{"label": "0", "url": "https://…"}, …]``."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and {"label", "url"} <= set(item) for item in value)
    )


def value_text(value: object) -> str:
    """How one merge value appears in the text part: as is; a link list as "label — url" lines."""
    if is_link_list(value):
        return "\n".join(f"{item['label']} — {item['url']}" for item in value)
    return str(value)


# A link list in HTML: a row of tappable buttons (inline styles: mail clients drop stylesheets).
BUTTON = (
    '<a href="{url}" style="display:inline-block;min-width:32px;margin:2px;padding:10px 4px;border-radius:6px;'
    'background:#2f6f4f;color:#ffffff;font-weight:bold;text-align:center;text-decoration:none;">{label}</a>'
)


def value_html(value: object) -> str:
    """How one merge value appears in the HTML body: escaped, and a link when it is a URL.

    Public because batch sending computes each recipient's HTML value on its own, to hand
    to the provider as merge data (it must match what merge_html would have put there).
    """
    if is_link_list(value):
        buttons = "".join(
            BUTTON.format(url=conditional_escape(str(item["url"])), label=conditional_escape(str(item["label"])))
            for item in value
            if str(item["url"]).startswith(("http://", "https://"))
        )
        return f'<span style="display:block;line-height:2.6;">{buttons}</span>'
    text = str(value)
    return urlize(conditional_escape(text)) if text.startswith(("http://", "https://")) else conditional_escape(text)
