"""Email kinds: what a message is (its category, its subject and body templates).

A kind's subject and body are creator copy with merge fields; the layout around them
(greeting, footer, unsubscribe links) is ours, in ``templates/mailers/email/``. Phase apps
register their kinds in ``AppConfig.ready()``.
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


# The mailer's own kinds.
TEST = register(
    EmailKind(
        name="test",
        category=Category.TRANSACTIONAL,
        description="A test a team member sends to themselves from the admin.",
    )
)
ANNOUNCEMENT = register(
    EmailKind(
        name="announcement",
        category=Category.PROGRAM,
        description="A one-off note to students of a program, written in the admin.",
    )
)
