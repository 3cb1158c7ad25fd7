"""The sharing prompts' email kinds and their default copy."""

from mailers.kinds import EmailKind
from mailers.models import Category

# Our words around the creator's ask; the ask itself is merged in the same pass.
PROMPT_BODY = """Congratulations on reaching {{{{ milestone_title }}}}, {{{{ first_name }}}}!

{ask}

When you have, note how many people you told (and, if you like, what you said):
{{{{ prompt_url }}}}

This is about your win, not about us: there is nothing to sell and no link to pass on."""

PROMPT_EMAIL = EmailKind(
    name="sharing_prompt",
    category=Category.PROGRAM,
    description="A milestone's sharing prompt (the creator writes the subject and the ask).",
)

REMINDER_BODY = """Hi {{ first_name }},

A few days ago you reached {{ milestone_title }}. Have you had a chance to tell someone how it felt?

{{ ask }}

Note it here when you have (it takes a minute): {{ prompt_url }}

We will not remind you about this one again."""

REMINDER_EMAIL = EmailKind(
    name="sharing_prompt_reminder",
    category=Category.PROGRAM,
    description="One reminder of a sharing prompt that is not completed yet.",
    subject="A gentle reminder: {{ milestone_title }}",
    body=REMINDER_BODY,
)

# Registered in the app's AppConfig.ready().
KINDS = (PROMPT_EMAIL, REMINDER_EMAIL)
