from django.apps import AppConfig


class SharingPromptsConfig(AppConfig):
    """Phase 1 of the method (sow): milestone sharing prompts. Built by a later issue."""

    name = "sharing_prompts"
    verbose_name = "Sharing prompts"
