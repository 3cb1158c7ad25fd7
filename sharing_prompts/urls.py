from django.urls import path

import mailers.converters  # noqa: F401 - registers <id:...>
from sharing_prompts import views

app_name = "sharing_prompts"

# Mounted under the student's hub: /me/<token>/prompts/...
urlpatterns = [
    path("<id:delivery_id>/", views.prompt_page, name="prompt"),
]
