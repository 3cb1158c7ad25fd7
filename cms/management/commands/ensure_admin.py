import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

# Where a generated password is kept so a second `make run` can print it again (git-ignored).
PASSWORD_FILE = Path(settings.BASE_DIR) / ".admin-password"


UNCHANGED = "(unchanged; set DJANGO_SUPERUSER_PASSWORD to reset it)"


def credentials() -> tuple[str, str]:
    """The admin's username and password as `make run` shows them (read only: ``ensure_admin`` sets them)."""
    username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip() or "admin"
    password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
    if not password and PASSWORD_FILE.exists():
        password = PASSWORD_FILE.read_text().strip()
    return username, password or UNCHANGED


class Command(BaseCommand):
    help = (
        "Ensure an admin user exists. Credentials come from DJANGO_SUPERUSER_USERNAME / "
        "DJANGO_SUPERUSER_PASSWORD, or a password is generated once and printed."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip() or "admin"
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, email=f"{username}@example.com", is_staff=True, is_superuser=True)
            if not password:
                password = secrets.token_urlsafe(12)
                PASSWORD_FILE.write_text(password + "\n")
                PASSWORD_FILE.chmod(0o600)
            user.set_password(password)
            user.save()
            verb = "created"
        elif password:
            if not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
            verb = "updated"
        else:
            verb = "exists"
            if PASSWORD_FILE.exists():
                password = PASSWORD_FILE.read_text().strip()
        if not user.first_name and not user.last_name:
            # Wagtail's account page is one form that requires a name: without one, the admin could not
            # save any of its settings (the team emails' opt-outs among them). Theirs to change there.
            user.first_name, user.last_name = username.replace("_", " ").title()[:150], "Admin"
            user.save(update_fields=["first_name", "last_name"])
        shown = password if password else UNCHANGED
        self.stdout.write(f"admin user {verb}: username={username} password={shown}")
