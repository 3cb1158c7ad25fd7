"""Outbound webhooks: the creator's own systems hear what happens in their programs.

- ``catalogue.py``: the event types an endpoint may subscribe to (one place).
- ``models.py``: ``WebhookEndpoint`` (a program's receiver: URL, signing secret, subscriptions, paused
  or not), ``WebhookDelivery`` (one event for one endpoint, retried until it lands) and
  ``WebhookAttempt`` (each try: status or error, the start of the body, how long it took).
- ``services.py``: ``webhook_emit`` and the admin's actions (pause, resume, rotate, test, replay).
- ``sending.py``: one attempt: signed the Standard Webhooks way, public https only, the retry schedule.
- ``payloads.py``: what each event says, and the journey events it is heard from.
"""
