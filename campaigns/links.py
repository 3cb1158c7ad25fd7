"""A student's personal links: signed, expiring, revocable, no password (the hub and the pages under it).

The token carries the student's id and their link version; the signature (compared in
constant time by Django's signer) makes it unguessable, the timestamp makes it expire.

Only emails mint new tokens. A page reached with token T links with T itself (or, for a link
to another kind of page, a token pinned to T's own timestamp), so viewing pages never extends
a link's life: a leaked link dies at ``HUB_LINK_MAX_AGE`` whatever is done with it. Staff
revoke every link of a student at once by bumping ``Student.link_version`` ("sign out
everywhere"): tokens carrying an older version are refused like expired ones.

Tokens minted before versions existed carry the bare id; they read as version 0 (the
version every student starts at), so they keep working until they expire or the student
is signed out everywhere, which is what their holders were promised when they got them.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from mailers.rendering import absolute

SALT = "campaigns.hub"


@dataclass(frozen=True)
class LinkCheck:
    student_id: int | None
    problem: str = ""  # "expired" or "invalid" when student_id is None
    version: int = 0
    issued_at: int | None = None  # seconds since the epoch, from the signed timestamp

    @property
    def ok(self) -> bool:
        return self.student_id is not None


def _now() -> float:
    """The one clock of personal links (tests freeze it here): Django's signer reads time.time()."""
    return timezone.now().timestamp()


class _PinnedSigner(signing.TimestampSigner):
    """A timestamp signer whose timestamp is given, not read from the clock: a link derived from
    another one carries its parent's age, so it cannot outlive it."""

    def __init__(self, *, issued_at: int, **kwargs):
        super().__init__(**kwargs)
        self._issued_at = issued_at

    def timestamp(self):
        return signing.b62_encode(self._issued_at)


def sign(value, *, salt: str, issued_at: int | None = None) -> str:
    """Sign ``value`` (JSON) with a timestamp: now, or ``issued_at`` for a link derived from another."""
    issued_at = int(_now() if issued_at is None else issued_at)
    return _PinnedSigner(issued_at=issued_at, salt=salt).sign_object(value, compress=False)


def unsign(token: str, *, salt: str) -> tuple[object, int]:
    """(value, issued_at) of a token this module signed; raises SignatureExpired / BadSignature.

    The age is checked against our own clock (the signer's max_age would read time.time())."""
    signer = signing.TimestampSigner(salt=salt)
    value = signer.unsign_object(token)  # verifies the signature (constant-time) over value and timestamp
    try:
        issued_at = signing.b62_decode(token.rsplit(signer.sep, 2)[-2])
    except (IndexError, ValueError):
        raise signing.BadSignature("no timestamp") from None
    if _now() - issued_at > settings.HUB_LINK_MAX_AGE:
        raise signing.SignatureExpired("link expired")
    return value, issued_at


def issued_at(token: str, *, salt: str) -> int | None:
    """When a valid token was minted (None if it is not valid), for links derived from it."""
    try:
        return unsign(token, salt=salt)[1]
    except signing.BadSignature:
        return None


def hub_token(student, *, issued_at: int | None = None) -> str:
    """A token for the student (a Student or an id) at their current link version. Mint a fresh one
    (no ``issued_at``) only for an email; pages pass the incoming token on instead."""
    if isinstance(student, int):
        from campaigns.models import Student

        student_id = student
        version = Student.objects.filter(pk=student_id).values_list("link_version", flat=True).first() or 0
    else:
        student_id, version = student.pk, student.link_version
    return sign([student_id, version], salt=SALT, issued_at=issued_at)


def read_hub_token(token: str) -> LinkCheck:
    try:
        value, at = unsign(token, salt=SALT)
    except signing.SignatureExpired:
        return LinkCheck(None, "expired")
    except (signing.BadSignature, ValueError):  # ValueError: a signed value that is not JSON
        return LinkCheck(None, "invalid")
    if isinstance(value, int) and not isinstance(value, bool):
        student_id, version = value, 0  # a token minted before versions: version 0 (see above)
    elif (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(part, int) and not isinstance(part, bool) for part in value)
    ):
        student_id, version = value
    else:
        return LinkCheck(None, "invalid")
    # Ids beyond the database's integer would make the lookup fail: they are forgeries anyway.
    if not 0 < student_id < 2**63 or version < 0:
        return LinkCheck(None, "invalid")
    return LinkCheck(student_id, version=version, issued_at=at)


def hub_path(student, name: str = "hub", *args) -> str:
    """A path under the student's hub with a FRESH token, e.g. hub_path(ann, "sharing_prompts:prompt", 12).
    For emails only; a page uses ``page_path`` with the token it was reached with."""
    return reverse(name, args=[hub_token(student), *args])


def hub_url(student, name: str = "hub", *args) -> str:
    """The absolute form of ``hub_path``, for emails."""
    return absolute(hub_path(student, name, *args))


def page_path(token: str, name: str = "hub", *args) -> str:
    """A path under the hub for a page reached with ``token``: the same token, so it lives no longer."""
    return reverse(name, args=[token, *args])
