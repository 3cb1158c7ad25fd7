"""Which thank-you rule a program follows, and the promise the ask makes from it (``{{ thank_you }}``).

One source of truth: the tiers when the program has any (each given once, when the graduate's approved
friends reach its threshold), otherwise the plan's kind and "one for every N". The promise is built from
the same rows the rewards code delivers from, so the ask cannot promise one thing and deliver another.
"""

from referrals.rewards.models import NO_THANK_YOU, RewardTier

MAX_TIERS = 10


def tiers_for(program_id: int) -> list[RewardTier]:
    return list(RewardTier.objects.filter(program_id=program_id).order_by("friends", "pk"))


def _friends(n: int) -> str:
    return "1 friend joins" if n == 1 else f"{n} friends join"


def promise(plan, tiers: list | None = None) -> str:
    """What the ask promises the graduate ("" for none). ``tiers``: the program's (a draft's own in the
    editor's previews); read from the database when not given."""
    if plan is None:
        return ""
    tiers = tiers_for(plan.program_id) if tiers is None else tiers
    if tiers:
        return promise_of(tiers)
    if plan.reward_kind == NO_THANK_YOU:
        return ""
    return plan.thank_you_text.strip()


def promise_of(tiers: list) -> str:
    """The tiers' promise, fewest friends first: "As our thank-you: when 1 friend joins, …; when 3 …"."""
    ordered = sorted(tiers, key=lambda t: t.friends or 0)
    steps = "; ".join(f"when {_friends(t.friends)}, {(t.description or '').strip().rstrip('.')}" for t in ordered)
    return f"As our thank-you: {steps}."


def tiers_from_json(value) -> list[RewardTier]:
    """The editor's live report sends the tiers being typed: unsaved rows, bad entries left out."""
    tiers = []
    for item in value[:MAX_TIERS] if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        try:
            friends = int(item.get("friends"))
        except (TypeError, ValueError):
            continue
        description = str(item.get("description") or "")[:255].strip()
        if 1 <= friends <= 100 and description:
            tiers.append(RewardTier(friends=friends, description=description))
    return tiers
