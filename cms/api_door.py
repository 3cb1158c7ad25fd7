"""The API's requests skip the middleware that serves browsers.

Everything under ``/api/v1/`` is machine to machine: each request proves itself by its own signature
(the events API, Stripe, Thinkific) or by the secret token in its URL (Teachable, Kajabi), and the API's
URLconf answers every path under it, unknown ones with a JSON 404 (``integrations/urls.py``). What the
rest of the chain does is for browsers, and none of it applies here:

- sessions, authentication and CSRF: no cookie is read or set, every API view is CSRF-exempt;
- messages: there are no pages to flash them on;
- ``CommonMiddleware``'s slash redirects: a sender's POST is never redirected;
- Wagtail's redirects: they are for the creator's pages;
- django-axes: there is no login here.

Running that chain was about a tenth of accepting an event (``bench/events.py``). The middleware before
this one still applies (the trusted-proxy header check, ``SecurityMiddleware``'s HTTPS redirect and
headers, WhiteNoise). What the skipped chain gave the API is done here: the ``Host`` header is checked
against ``ALLOWED_HOSTS`` (``CommonMiddleware`` did it), and, since the API's docs are an HTML page,
responses say ``X-Frame-Options`` as ``XFrameOptionsMiddleware`` would.

Every answer of the API is JSON: an error the views did not answer themselves (ninja's plain-text 405,
a bad ``Host``, an exception's 500) is given a JSON body with a message, as theirs have.
"""

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.http import JsonResponse
from django.urls import resolve

from integrations.api import NOT_FOUND

API_PREFIX = "/api/v1/"


class ApiDoorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # Exceptions become responses as the handler would make them (a 500, logged), without the chain.
        self.dispatch = convert_exception_to_response(self._view_response)

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        response = self.dispatch(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            response = _as_json(response)
        if "X-Frame-Options" not in response:
            response["X-Frame-Options"] = settings.X_FRAME_OPTIONS.upper()
        return response

    @staticmethod
    def _view_response(request):
        request.get_host()  # a Host not in ALLOWED_HOSTS is refused (DisallowedHost: a 400)
        match = resolve(request.path_info)
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        if response is None:
            raise ValueError(f"The API view {match.view_name} returned None.")
        if callable(getattr(response, "render", None)):  # a TemplateResponse, as the handler renders it
            response = response.render()
        return response


MESSAGES = {
    400: "Bad request.",
    403: "Forbidden.",
    404: NOT_FOUND,  # an Http404 raised in a view; unknown paths get the same from the URLconf
    405: "Method not allowed.",
    500: "Something went wrong on our side; try again later.",
}


def _as_json(response):
    status = response.status_code
    answer = JsonResponse({"message": MESSAGES.get(status, response.reason_phrase + "."), "errors": []}, status=status)
    if "Allow" in response:
        answer["Allow"] = response["Allow"]
    return answer
