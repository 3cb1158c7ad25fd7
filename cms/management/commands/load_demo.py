from django.core.management.base import BaseCommand

from cms.demo import DEMO_SLUG, demo_links, load_demo


class Command(BaseCommand):
    help = "Load the demo program (slug 'demo') and a home page; running it again changes nothing."

    def handle(self, *args, **options):
        done = load_demo()
        for line in done:
            self.stdout.write(line)
        if not done:
            self.stdout.write(f"demo program '{DEMO_SLUG}' already present; nothing changed")
        for line in demo_links():
            self.stdout.write(line)
