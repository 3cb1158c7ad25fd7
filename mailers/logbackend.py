"""A stand-in provider that writes every accepted message to a JSON-lines file.

It is anymail's test backend (same payload handling) whose "provider side" is an
append-only file that survives the sending process, and that can answer the question a
real provider's message search answers: which of these messages did you accept? The crash
drill and local load tests use it: ``EMAIL_PROVIDER=log MAIL_LOG_PATH=/tmp/sent.jsonl``.
"""

import json
import os

from anymail.backends.test import EmailBackend as AnymailTestBackend
from django.conf import settings


class EmailBackend(AnymailTestBackend):
    esp_name = "Log"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.path = settings.MAIL_LOG_PATH

    def post_to_esp(self, payload, message):
        response = super().post_to_esp(payload, message)
        line = json.dumps(
            {"key": message.extra_headers.get("X-Engine-Message", ""), "to": message.to, "subject": message.subject}
        )
        # One write() per line in append mode: lines from concurrent workers never interleave,
        # and a line written survives the process being killed right after.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)
        from django.core import mail

        mail.outbox.remove(message)  # the file is the record; don't grow memory in a long-lived worker
        return response

    def get_esp_message_id(self, message):
        return message.extra_headers.get("X-Engine-Message", "")

    def accepted_keys(self, keys) -> set[str]:
        wanted = set(keys)
        if not os.path.exists(self.path):
            return set()
        with open(self.path, encoding="utf-8") as log:
            return {key for line in log if (key := json.loads(line).get("key")) in wanted}
