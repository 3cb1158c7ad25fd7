"""The referral half's public URLs (included at the site root by cms/urls.py; names unchanged)."""

from django.urls import path

from referrals import registration_views, views
from referrals.rewards import views as reward_views

urlpatterns = [
    # Special links: the click (counted, then 302), its QR code, and the friend's landing page.
    # No trailing slash: APPEND_SLASH would answer /r/<code> with a 301 (a cached, uncounted redirect).
    path("r/<str:code>", views.click, name="referral_click"),
    path("r/<str:code>/", views.click),
    path("r/<str:code>/qr.<str:fmt>", views.qr, name="referral_qr"),
    path("join/<str:code>/", views.landing, name="referral_landing"),
    path("join/<str:code>/welcome/<str:token>/", views.welcome, name="referral_welcome"),
    path("join/<str:code>/confirm/<str:token>/", views.confirm, name="referral_confirm"),
    # The confirmation link of a registration (or waitlist) on a public program page.
    path("register/confirm/<str:token>/", registration_views.confirm, name="registration_confirm"),
    # A physical gift's shipping address, under the hub's signed personal link.
    path("me/<str:token>/rewards/<int:pk>/address/", reward_views.address, name="hub_reward_address"),
]
