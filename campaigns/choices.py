"""Choice sets shared by models and forms (kept apart so forms can import them without models)."""

from django.db import models


class RegistrationStatus(models.TextChoices):
    OPEN = "open", "Open to everyone"
    CLOSED = "closed", "Closed (special-access links only)"


class Stage(models.TextChoices):
    """Where an enrollment stands. Later phases add their own stages after COMPLETED."""

    ENROLLED = "enrolled", "Enrolled (not started)"
    ACTIVE = "active", "In the program"
    COMPLETED = "completed", "Graduated"
    WITHDRAWN = "withdrawn", "Withdrawn"
