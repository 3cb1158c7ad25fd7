"""Public URLs of published testimonials (mounted at ``t/``): the share card and the consented photo."""

from django.urls import path

import mailers.converters  # noqa: F401 - registers <id:...>
from testimonials import public_views

urlpatterns = [
    path("<id:pk>/card.png", public_views.share_card, name="testimonial_card"),
    path("<id:pk>/photo.jpg", public_views.photo, name="testimonial_photo"),
]
