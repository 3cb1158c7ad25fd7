"""Public URLs of published testimonials (mounted at ``t/``): the share card and the consented photo."""

from django.urls import path

from testimonials import public_views

urlpatterns = [
    path("<int:pk>/card.png", public_views.share_card, name="testimonial_card"),
    path("<int:pk>/photo.jpg", public_views.photo, name="testimonial_photo"),
]
