"""The registry of copy checks the editor and ``manage.py check_copy`` run by kind.

A check takes the copy as one text and returns a JSON-ready dict; it may take keyword options
(``values=…``, ``checkout_url=…``) that callers pass through ``run``. Apps register their checks
in ``AppConfig.ready()`` — referrals registers ``referral_ask``; sharing_prompts registers
``sharing_prompt`` through ``sharing_prompts.checks.register_checks()`` — so campaigns never
imports a phase app. A check that renders merge fields may also register ``program_values(program)
-> dict``: the values ``check_copy --program SLUG`` renders them with (the program editor's).
"""

import inspect
import re
from collections.abc import Callable

CopyCheck = Callable[..., dict]

_CHECKS: dict[str, CopyCheck] = {}
_PROGRAM_VALUES: dict[str, Callable[[object], dict]] = {}


class UnknownCopyCheck(LookupError):
    """No check is registered under this kind."""


def register(kind: str, check: CopyCheck, *, program_values: Callable[[object], dict] | None = None) -> None:
    """Register ``check`` under ``kind``. Registering the same check again is harmless (ready() may run twice)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", kind):
        raise ValueError(f"{kind!r} is not a valid check kind; use lower_case_words")
    if _CHECKS.get(kind, check) is not check:
        raise ValueError(f"another check is already registered as {kind!r}")
    _CHECKS[kind] = check
    if program_values is not None:
        _PROGRAM_VALUES[kind] = program_values


def kinds() -> tuple[str, ...]:
    return tuple(sorted(_CHECKS))


def options(kind: str) -> tuple[str, ...]:
    """The keyword options the check of ``kind`` accepts, e.g. ("values", "mission_statement")."""
    parameters = inspect.signature(_get(kind)).parameters.values()
    return tuple(p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY)


def program_values(kind: str, program) -> dict:
    """The merge values the check of ``kind`` renders ``program``'s copy with ({} if it has none)."""
    _get(kind)
    provider = _PROGRAM_VALUES.get(kind)
    return provider(program) if provider else {}


def run(kind: str, text: str, **check_options) -> dict:
    """Run the check of ``kind`` on ``text``: ``{"kind": kind, **report}``."""
    return {"kind": kind, **_get(kind)(text, **check_options)}


def _get(kind: str) -> CopyCheck:
    try:
        return _CHECKS[kind]
    except KeyError:
        raise UnknownCopyCheck(f"unknown kind {kind!r}; known kinds: {', '.join(kinds()) or 'none'}") from None
