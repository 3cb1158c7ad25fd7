"""The engine's own email kinds: the student's hub link."""

from mailers.kinds import EmailKind
from mailers.models import Category

HUB_LINK_EMAIL = EmailKind(
    name="hub_link",
    category=Category.TRANSACTIONAL,
    description="A fresh link to the student's hub, sent when they ask for one.",
    subject="Your personal link",
    body="Hi {{ first_name }},\n\nHere is your personal link (it works without a password; keep it to "
    "yourself):\n{{ hub_url }}\n\nIf you did not ask for it, you can ignore this email.",
)

# Registered in the app's AppConfig.ready().
KINDS = (HUB_LINK_EMAIL,)
