from django.urls import path

from mailers import views, webhooks

app_name = "mailers"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    # Where the links of a test email lead (see test_links.py).
    path("test-link/<slug:name>/", views.test_link, name="test_link"),
    path("webhooks/<slug:esp>/tracking/", webhooks.tracking_webhook, name="tracking_webhook"),
]
