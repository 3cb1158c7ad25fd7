"""The team's own emails: the daily rewards digest and the weekly summary, to staff users (never to
students: transactional, outside every student's contact budget), sent by the periodic pass
``cms.tasks.staff_emails_due``; each staff user turns either off in their account settings."""
