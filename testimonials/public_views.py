"""The share card and the photo of a published testimonial, each behind a stable URL.

Both answer 404 unless the testimonial is visible right now (approved or featured, publishable
consent, not withdrawn) — and for the photo, only when the consent includes it. Photos are never
served from /media: a withdrawn or private one must not stay reachable at a guessable path.
"""

import hashlib

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe

from testimonials import publishing
from testimonials.models import Testimonial

# Short on purpose: browsers and CDNs may keep a card or photo this long, so a withdrawal or a
# rejection disappears everywhere within five minutes; the ETag makes revalidation cheap.
CACHE_CONTROL = "public, max-age=300"


def _testimonial(pk: int) -> Testimonial:
    return get_object_or_404(Testimonial.objects.select_related("student", "program"), pk=pk)


def _respond(request, *, etag: str, body, content_type: str) -> HttpResponse:
    """A cacheable response; ``body()`` is only called when the client's copy is not current."""
    response = get_conditional_response(request, etag=etag)  # a 304 when If-None-Match matches
    if response is None:
        response = HttpResponse(body(), content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response


@require_safe
def share_card(request, pk: int) -> HttpResponse:
    spec = publishing.card_spec(_testimonial(pk))
    if spec is None:
        raise Http404("No such testimonial card.")
    return _respond(
        request, etag=f'"{spec.fingerprint}"', body=lambda: publishing.card_png(spec), content_type="image/png"
    )


@require_safe
def photo(request, pk: int) -> HttpResponse:
    testimonial = _testimonial(pk)
    data = publishing.photo_bytes(testimonial) if testimonial.is_visible else None
    if data is None:
        raise Http404("No such photo.")
    etag = f'"{hashlib.sha256(data).hexdigest()}"'
    return _respond(request, etag=etag, body=lambda: data, content_type="image/jpeg")
