"""Links in a test email: a page that says "this is a test link" and what the real link opens.

A test goes to a team member, who is no student: a student's signed hub link, feedback score or
special link made up for them would open an error page or, worse, act for someone. So every
personal link in a test points here instead. Each app registers the links its emails carry (a
fixed name and what it opens) when it loads; the page shows only registered text, so nobody can
make this site display words of their choosing.
"""

from django.urls import reverse

from mailers.rendering import absolute

_LINKS: dict[str, str] = {}


def register(name: str, opens: str) -> str:
    """``opens`` finishes "In the email a student gets, this link opens …". Returns ``name``."""
    if not name.replace("-", "").isalnum():
        raise ValueError(f"{name!r} is not a test link name (letters, digits and dashes)")
    _LINKS[name] = opens
    return name


def url(name: str) -> str:
    if name not in _LINKS:
        raise KeyError(f"unknown test link {name!r}; registered: {', '.join(sorted(_LINKS))}")
    return absolute(reverse("mailers:test_link", args=[name]))


def opens(name: str) -> str | None:
    return _LINKS.get(name)
