"""Admin: the referral ask's live SMART-I check while the creator types."""

import json

from django.http import HttpResponseBadRequest, JsonResponse
from django.views.decorators.http import require_POST

from campaigns.models import ProgramPage
from campaigns.selectors import program_mission_progress
from mailers.converters import parse_id
from mailers.permissions import pages_user_can_edit
from referrals.editor import smart_i_report
from referrals.rewards import rules

MAX_CHARS = 20_000


def _int(value, default: int) -> int:
    try:
        return max(0, min(int(value), 1_000_000_000))
    except (TypeError, ValueError):
        return default


def _reached(request, data: dict) -> int:
    """The draft's progress: its starting count plus the program's students, when the program is one
    this user may edit (others' figures are not shown to them)."""
    start = _int(data.get("mission_start_count"), 0)
    page_id = parse_id(data.get("page_id"))
    if page_id is None:
        return start
    program = pages_user_can_edit(request.user, ProgramPage).filter(pk=page_id).first()
    if program is None:
        return start
    program.mission_start_count = start
    return program_mission_progress(program=program).reached


@require_POST
def check_referral_ask(request):
    try:
        data = json.loads(request.body[: MAX_CHARS * 4] or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return HttpResponseBadRequest("expected a JSON object")
    if not isinstance(data, dict):
        return HttpResponseBadRequest("expected a JSON object")
    fields = {
        "ask_subject": str(data.get("ask_subject", ""))[:MAX_CHARS],
        "ask_body": str(data.get("ask_body", ""))[:MAX_CHARS],
        "ask_count_min": _int(data.get("ask_count_min"), 1),
        "ask_count_max": _int(data.get("ask_count_max"), 3),
        "ask_window_days": _int(data.get("ask_window_days"), 7),
        "friend_offer_text": str(data.get("friend_offer_text", ""))[:500],
        "thank_you_text": str(data.get("thank_you_text", ""))[:500],
        "reward_kind": str(data.get("reward_kind", ""))[:20],
    }
    tiers = rules.tiers_from_json(data.get("tiers"))
    if tiers:
        fields["thank_you"] = rules.promise_of(tiers)
    report = smart_i_report(
        mission_reached=_reached(request, data),
        data=fields,
        mission_statement=str(data.get("mission_statement", ""))[:500],
        mission_unit=str(data.get("mission_unit", "people"))[:60] or "people",
        mission_goal=_int(data.get("mission_goal"), 1000),
    )
    return JsonResponse(report.as_json())
