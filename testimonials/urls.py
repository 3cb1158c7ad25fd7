from django.urls import path

import mailers.converters  # noqa: F401 - registers <id:...>
from testimonials import views

app_name = "testimonials"

urlpatterns = [
    # Reached from the feedback email: a signed token per feedback round.
    path("feedback/<str:token>/", views.feedback, name="feedback"),
    path("feedback/<str:token>/thanks/", views.thanks, name="thanks"),
    path("feedback/<str:token>/<str:value>/", views.score, name="score"),
    # Under the student's hub.
    path("me/<str:token>/testimonial/<id:program_id>/", views.testimonial_form, name="form"),
    path("me/<str:token>/testimonial/<id:program_id>/withdraw/", views.testimonial_withdraw, name="withdraw"),
    path("me/<str:token>/testimonial/<id:program_id>/photo.jpg", views.testimonial_own_photo, name="own_photo"),
]
