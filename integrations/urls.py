"""The API's URLs, under /api/v1/ (cms/urls.py): ninja's operations, its document and docs, the course
platforms' webhooks, and a JSON 404."""

from django.urls import path

from integrations import webhooks
from integrations.api import api, json_not_found

# Every answer is JSON, ninja's own 405 included: cms/api_door.py gives a body to the errors it has none for.
ninja_patterns, _, app_name = api.urls

urlpatterns = [
    *ninja_patterns,
    path("webhooks/stripe", webhooks.stripe_webhook, name="webhook_stripe"),
    path("webhooks/thinkific", webhooks.thinkific_webhook, name="webhook_thinkific"),
    # Teachable and Kajabi do not sign: the secret is the token in the URL (Platform connections).
    path("webhooks/teachable/<str:token>", webhooks.teachable_webhook, name="webhook_teachable"),
    path("webhooks/kajabi/<str:token>", webhooks.kajabi_webhook, name="webhook_kajabi"),
    path("<path:rest>", json_not_found),
]
