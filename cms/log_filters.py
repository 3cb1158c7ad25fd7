"""Logging filters the settings' LOGGING names (imported while logging is configured: no Django here)."""

import logging


class WithoutTraceback(logging.Filter):
    """Keeps the record's message, drops its traceback: a request with a Host that is not ours (bots
    probe addresses all day) is one line saying which Host, not thirty lines of Django's own frames."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True
