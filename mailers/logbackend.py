"""A stand-in provider that writes every accepted message to a JSON-lines file.

It is anymail's test backend (same payload handling) whose "provider side" is an
append-only file that survives the sending process, and that can answer the question a
real provider's message search answers: which of these messages did you accept? The crash
drill and local load tests use it: ``EMAIL_PROVIDER=log MAIL_LOG_PATH=/tmp/sent.jsonl``.
"""

import json
import os

from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.message import AnymailRecipientStatus
from django.conf import settings


class EmailBackend(AnymailTestBackend):
    esp_name = "Log"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.path = settings.MAIL_LOG_PATH

    def post_to_esp(self, payload, message):
        response = super().post_to_esp(payload, message)
        # A batch send carries each recipient's key in its merge headers: one line per
        # recipient, as a real provider keeps one message per recipient of a batch.
        merge_headers = getattr(message, "merge_headers", None) or {}
        keyed = {
            email: merge_headers.get(email, message.extra_headers).get("X-Engine-Message", "")
            for email in payload.recipient_emails
        }
        lines = "".join(
            json.dumps({"key": key, "to": [email], "subject": message.subject}) + "\n" for email, key in keyed.items()
        )
        # One write() in append mode: lines from concurrent workers never interleave, and
        # what was written survives the process being killed right after.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, lines.encode())
        finally:
            os.close(fd)
        from django.core import mail

        mail.outbox.remove(message)  # the file is the record; don't grow memory in a long-lived worker
        if "recipient_status" in response:  # each recipient's provider id is its key
            statuses = response["recipient_status"]
            response["recipient_status"] = {
                email: AnymailRecipientStatus(message_id=keyed.get(email, ""), status=status.status)
                for email, status in statuses.items()
            }
        return response

    def get_esp_message_id(self, message):
        return message.extra_headers.get("X-Engine-Message", "")

    def accepted_keys(self, keys) -> set[str]:
        wanted = set(keys)
        if not os.path.exists(self.path):
            return set()
        with open(self.path, encoding="utf-8") as log:
            return {key for line in log if (key := json.loads(line).get("key")) in wanted}
