# The creator's webhook receiver (a real local HTTP server) and the fake DNS, for the webhook tests.
from tests.referrals.webhook_receiver import dns, no_connection, receiver  # noqa: F401
