from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from campaigns import views as campaign_views
from cms import views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("mail/", include("mailers.urls")),
    path("api/v1/", include("integrations.urls")),  # the events API (its docs at /api/v1/docs)
    path("t/", include("testimonials.public_urls")),  # published testimonials: share cards, photos
    # The student's hub and the pages under it: signed personal links, no password.
    path("me/new-link/", campaign_views.new_link, name="hub_new_link"),
    path("me/<str:token>/", views.hub, name="hub"),
    path("me/<str:token>/prompts/", include("sharing_prompts.urls")),
    path("me/<str:token>/shared/<str:code>/", views.link_shared, name="hub_link_shared"),
    # Special links (/r/), the friend's landing page (/join/) and the program page's confirmation link.
    path("", include("referrals.urls")),
    # Feedback (from the email's score links) and the testimonial form under the hub.
    path("", include("testimonials.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page serving last: it matches every remaining path.
urlpatterns += [path("", include(wagtail_urls))]
