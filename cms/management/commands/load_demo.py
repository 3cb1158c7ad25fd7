from django.core.management.base import BaseCommand

from cms.demo import DEMO_SLUG, demo_student_hub_url, load_demo


class Command(BaseCommand):
    help = "Load the demo program (slug 'demo') and a home page; running it again changes nothing."

    def handle(self, *args, **options):
        done = load_demo()
        for line in done:
            self.stdout.write(line)
        if not done:
            self.stdout.write(f"demo program '{DEMO_SLUG}' already present; nothing changed")
        hub = demo_student_hub_url()
        if hub:
            self.stdout.write(f"the demo student's personal page (what a student sees): {hub}")
