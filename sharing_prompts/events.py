"""The journey events sharing prompts record (registered in SharingPromptsConfig.ready())."""

from enum import StrEnum


class PromptEvent(StrEnum):
    PROMPTED = "prompted"
    REMINDED = "prompt_reminded"
    COMPLETED = "prompt_completed"
    UPDATED = "prompt_updated"  # the student changed what they noted after completing it
