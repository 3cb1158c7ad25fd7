"""The registry of copy checks the editor and ``manage.py check_copy`` run by kind.

A check takes the copy as one text and returns a JSON-ready dict; it may take keyword options
(``values=…``, ``checkout_url=…``) that callers pass through ``run``. Apps register their checks
in ``AppConfig.ready()`` — campaigns registers ``referral_ask``; sharing_prompts registers
``sharing_prompt`` through ``sharing_prompts.checks.register_checks()`` — so campaigns never
imports a phase app.
"""

import inspect
import re
from collections.abc import Callable

CopyCheck = Callable[..., dict]

_CHECKS: dict[str, CopyCheck] = {}


class UnknownCopyCheck(LookupError):
    """No check is registered under this kind."""


def register(kind: str, check: CopyCheck) -> None:
    """Register ``check`` under ``kind``. Registering the same check again is harmless (ready() may run twice)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", kind):
        raise ValueError(f"{kind!r} is not a valid check kind; use lower_case_words")
    if _CHECKS.get(kind, check) is not check:
        raise ValueError(f"another check is already registered as {kind!r}")
    _CHECKS[kind] = check


def kinds() -> tuple[str, ...]:
    return tuple(sorted(_CHECKS))


def options(kind: str) -> tuple[str, ...]:
    """The keyword options the check of ``kind`` accepts, e.g. ("values", "mission_statement")."""
    parameters = inspect.signature(_get(kind)).parameters.values()
    return tuple(p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY)


def run(kind: str, text: str, **check_options) -> dict:
    """Run the check of ``kind`` on ``text``: ``{"kind": kind, **report}``."""
    return {"kind": kind, **_get(kind)(text, **check_options)}


def _get(kind: str) -> CopyCheck:
    try:
        return _CHECKS[kind]
    except KeyError:
        raise UnknownCopyCheck(f"unknown kind {kind!r}; known kinds: {', '.join(kinds()) or 'none'}") from None
