from django.urls import path

from sharing_prompts import views

app_name = "sharing_prompts"

# Mounted under the student's hub: /me/<token>/prompts/...
urlpatterns = [
    path("<int:delivery_id>/", views.prompt_page, name="prompt"),
]
