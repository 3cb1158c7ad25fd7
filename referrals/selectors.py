"""Reads: a program's ask, links by code, a link's clicks and friends, the funnel's link clicks."""

from datetime import datetime, timedelta

from django.db.models import Count
from django.urls import reverse

from campaigns.inboxes import mailbox
from campaigns.models import Student
from mailers.rendering import absolute
from referrals.models import FriendLead, ReferralClick, ReferralLink, ReferralPlan


def lead_of_inbox(*, email: str, program_id: int) -> FriendLead | None:
    """The program's lead for the inbox ``email`` reaches (any of its aliases), the first if several."""
    return (
        FriendLead.objects.filter(inbox=mailbox(email), program_id=program_id)
        .select_related("via_link__student")
        .order_by("registered_at", "pk")
        .first()
    )


def plan_for(program_id: int) -> ReferralPlan | None:
    return ReferralPlan.objects.filter(program_id=program_id).order_by("sort_order", "pk").first()


def normalize_code(raw: str) -> str:
    """What a friend typed or a phone autocorrected: case, spaces and dashes do not matter."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:16]


def link_url(code: str) -> str:
    return absolute(reverse("referral_click", args=[code]))


def access_until(*, first_click: datetime | None, plan: ReferralPlan | None, now: datetime) -> datetime:
    """When a friend's special access through a link ends: the plan's days after the link's first
    counted click by anyone (``access_days``: "how long after the link's first click").

    Anchored to the link, not to the friend's browser: a friend who clears their cookies, or opens
    the link in a private window, is a new visitor but finds the same end date (it was a fresh window
    each time). The graduate's own test click or a scanner that hides starts it too, never later than
    a real friend's first click would: at worst the window runs from when the ask arrived. Before any
    click (a visit straight to the landing page) the window has not started, and the page offers it
    from today."""
    start = first_click or now
    return start + timedelta(days=plan.access_days if plan else 14)


def link_first_click(*, link_id: int) -> datetime | None:
    """The link's first counted click by anyone (where its access window starts; the landing page
    reads the same in its one statement). Kept on the link once found: clicks only ever come later."""
    kept = ReferralLink.objects.filter(pk=link_id).values_list("first_click_at", flat=True).first()
    if kept is not None:
        return kept
    found = (
        ReferralClick.objects.filter(link_id=link_id).order_by("day", "clicked_at").values_list("clicked_at", flat=True)
    ).first()
    if found is not None:
        link_first_click_keep(link_id=link_id, at=found)
    return found


def link_first_click_keep(*, link_id: int, at: datetime) -> None:
    """Keep the link's first click (once: a concurrent reader wrote the same)."""
    ReferralLink.objects.filter(pk=link_id, first_click_at__isnull=True).update(first_click_at=at)


def link_by_code(code: str) -> ReferralLink | None:
    return ReferralLink.objects.select_related("student", "program").filter(code=normalize_code(code)).first()


def friends_of(*, link: ReferralLink) -> list[FriendLead]:
    return list(FriendLead.objects.filter(link=link).order_by("registered_at"))


def link_stats(*, link_ids: list[int]) -> dict[int, int]:
    return dict(
        ReferralClick.objects.filter(link_id__in=link_ids)
        .values("link_id")
        .annotate(n=Count("id"))
        .values_list("link_id", "n")
    )


def clicks_for_enrollments(enrollments) -> int:
    """People's visits through the links of these enrollments' graduates (the funnel's "link clicks")."""
    pairs = enrollments.values_list("student_id", "program_id")
    students = {s for s, _ in pairs}
    programs = {p for _, p in pairs}
    return ReferralClick.objects.filter(link__student_id__in=students, link__program_id__in=programs).count()


def graduate_links(*, student: Student) -> list[ReferralLink]:
    return list(ReferralLink.objects.filter(student=student, revoked_at__isnull=True).select_related("program"))
