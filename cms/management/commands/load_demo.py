from django.core import mail
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from cms.demo import DEMO_SLUG, demo_links, load_demo


class Command(BaseCommand):
    help = "Load the demo program (slug 'demo') and a home page; running it again changes nothing."

    def handle(self, *args, **options):
        # The demo's history (Maria's weeks in the program) goes through the real mailer, but its
        # emails are not printed: hundreds of lines in `make run` that buried the admin's address.
        # They are recorded as sent, so the Message log shows each one as rendered.
        held = getattr(mail, "outbox", None)
        mail.outbox = []
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            done = load_demo()
        history = len(mail.outbox)
        if held is None:
            del mail.outbox
        else:
            mail.outbox = held
        for line in done:
            self.stdout.write(line)
        if history:
            self.stdout.write(
                f"{history} emails of the demo's history recorded, not printed (admin: Mail > Message log)"
            )
        if not done:
            self.stdout.write(f"demo program '{DEMO_SLUG}' already present; nothing changed")
        for line in demo_links():
            self.stdout.write(line)
