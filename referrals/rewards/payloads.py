"""``reward.released`` / ``reward.revoked``: the graduate (the creator's own student: id, first name,
address), what was given and its status; never a simulated graduate's (simulate_cohort makes their
rewards for its figures: nothing is sent). One event id per reward and event, so a replay sends nothing new.

``kind`` and ``target`` say what to grant (or withdraw) on the creator's platform: for access kinds,
``target.ref`` is the creator's own name for it; ``target.program_id`` is set when this engine enrolled
the graduate itself (``target.enrolled_here``)."""

from referrals.webhooks import catalogue
from referrals.webhooks.services import webhook_emit


def _data(reward) -> dict:
    student = reward.student
    return {
        "reward_id": reward.pk,
        "number": reward.number,
        "kind": reward.kind,
        "tier_friends": reward.tier_friends,
        "description": reward.description,
        "target": {
            "program_id": reward.target_program_id,
            "program_title": reward.target_program.title if reward.target_program_id else None,
            "ref": reward.target_ref or None,
            "enrolled_here": reward.enrollment_id is not None,
        },
        "status": reward.status,
        "graduate": {"id": student.pk, "first_name": student.first_name, "email": student.email},
        "conversion_ids": sorted(reward.conversions.values_list("pk", flat=True)),
        "reason": reward.reason or None,
    }


def reward_released(*, reward, now) -> None:
    if reward.student.simulated:
        return
    webhook_emit(
        program=reward.program,
        event_type=catalogue.REWARD_RELEASED,
        event_id=f"reward.released-{reward.pk}",
        data={**_data(reward), "released_at": reward.released_at.isoformat()},
        now=now,
    )


def reward_revoked(*, reward, now) -> None:
    if reward.student.simulated:
        return
    webhook_emit(
        program=reward.program,
        event_type=catalogue.REWARD_REVOKED,
        event_id=f"reward.revoked-{reward.pk}",
        data={**_data(reward), "revoked_at": reward.revoked_at.isoformat()},
        now=now,
    )
