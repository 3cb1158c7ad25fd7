"""The mailer's own email kinds."""

from mailers.kinds import EmailKind
from mailers.models import Category

TEST = EmailKind(
    name="test",
    category=Category.TRANSACTIONAL,
    description="A test a team member sends to themselves from the admin.",
)
ANNOUNCEMENT = EmailKind(
    name="announcement",
    category=Category.PROGRAM,
    description="A one-off note to students of a program, written in the admin.",
)

# Registered in MailersConfig.ready().
KINDS = (TEST, ANNOUNCEMENT)
