"""The API's URLs, under /api/v1/ (cms/urls.py): ninja's operations, its document and docs, and a JSON 404."""

from django.urls import path

from integrations.api import api, json_errors, json_not_found

ninja_patterns, _, app_name = api.urls
for pattern in ninja_patterns:
    pattern.callback = json_errors(pattern.callback)

urlpatterns = [*ninja_patterns, path("<path:rest>", json_not_found)]
