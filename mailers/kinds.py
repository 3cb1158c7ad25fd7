"""Email kinds: what a message is (its category, its subject and body templates).

A kind's subject and body are creator copy with merge fields; the layout around them
(greeting, footer, unsubscribe links) is ours, in ``templates/mailers/email/``. Phase apps
declare their kinds in ``<app>/emails.py`` and register them in ``AppConfig.ready()``
(``kinds.register_all(emails.KINDS)``), so every process that sets Django up knows every kind.
"""

from dataclasses import dataclass

from mailers.models import Category


@dataclass(frozen=True)
class EmailKind:
    name: str
    category: str
    description: str
    # Defaults used when the message's context carries no "subject"/"body" of its own.
    subject: str = ""
    body: str = ""

    @property
    def is_marketing(self) -> bool:
        return self.category in Category.marketing()


_KINDS: dict[str, EmailKind] = {}


def register(kind: EmailKind) -> EmailKind:
    if kind.category not in Category.values:
        raise ValueError(f"unknown category {kind.category!r}")
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> EmailKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise KeyError(f"unknown email kind {name!r}; registered: {', '.join(sorted(_KINDS))}") from None


def register_all(declared) -> None:
    for kind in declared:
        register(kind)
