"""Writes of the staff emails: the daily rewards digest, the weekly summary, each staff user's choice.

Both emails are due at a fixed local time (the site's TIME_ZONE, settings STAFF_*); the periodic pass
(``cms.tasks.staff_emails_due``) may run any number of times, at once too: the period's
``StaffEmailRun`` row is taken first, in the same transaction that queues the messages, and each
message's idempotency key names the user and the period, so a period goes once. A pass that finds the
time passed later the same day or week (the worker was down at 08:00) still sends it.

The bodies are our words with numbers; program titles and links are merge values, so a title never
reads as merge syntax, and every value is escaped in the HTML part.
"""

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cms.models import StaffEmailPreferences, StaffEmailRun
from cms.staff_emails import emails, selectors
from mailers import services as mail
from mailers.merge import MergeError
from mailers.rendering import absolute

logger = logging.getLogger(__name__)


def local(now: datetime) -> datetime:
    """``now`` in the site's time zone (a worker never activates another one)."""
    return timezone.localtime(now, timezone.get_default_timezone())


def staff_emails_due(*, now: datetime | None = None) -> dict[str, int | None]:
    """The periodic pass: each email that is due and not yet sent for its period; how many were emailed
    per kind (None: not due, or already done for the period)."""
    now = now or timezone.now()
    today = local(now)
    done: dict[str, int | None] = {"daily_digest": None, "weekly_summary": None}
    if today.time() >= settings.STAFF_DIGEST_TIME:
        done["daily_digest"] = digest_send(now=now)
    monday, _ = selectors.week_bounds(today.date())
    send_day = monday + timedelta(days=settings.STAFF_WEEKLY_DAY)
    if today.date() > send_day or (today.date() == send_day and today.time() >= settings.STAFF_WEEKLY_TIME):
        done["weekly_summary"] = weekly_send(now=now)
    return done


def _run_once(kind: str, period: date, now: datetime) -> StaffEmailRun | None:
    run, created = StaffEmailRun.objects.get_or_create(kind=kind, period=period, defaults={"ran_at": now})
    return run if created else None


def _queue(*, kind: str, user, key: str, subject: str, body: str, context: dict, now: datetime) -> bool:
    try:
        mail.message_queue(
            kind=kind,
            to_email=user.email,
            to_name=user.get_full_name() or user.get_username(),
            idempotency_key=key,
            time_zone=settings.TIME_ZONE,
            context={**context, "subject": subject, "body": body},
            now=now,
        )
    except (ValidationError, MergeError) as exc:
        # One staff user's broken address must not cost the others their email.
        logger.warning("staff email %s to user #%s not queued: %s", kind, user.pk, exc)
        return False
    return True


def _settings_line() -> tuple[str, dict]:
    return (
        "You receive this as a member of the team. Turn it off in your account settings: {{ settings_url }}",
        {"settings_url": absolute(reverse("wagtailadmin_account"))},
    )


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _day_label(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B} {day.year}"


# --- The daily digest ------------------------------------------------------------------


def _waiting_lines(waiting: selectors.Waiting, *, review: bool, rewards: bool) -> list[str]:
    lines = []
    if review and waiting.review:
        lines.append(f"- {_plural(waiting.review, 'conversion', 'conversions')} held for review")
    if rewards and waiting.to_ship:
        lines.append(f"- {_plural(waiting.to_ship, 'gift', 'gifts')} to ship (the address is in)")
    if rewards and waiting.waiting_for_graduate:
        lines.append(
            f"- {_plural(waiting.waiting_for_graduate, 'gift', 'gifts')} waiting for the graduate "
            "(no shipping address yet)"
        )
    return lines


def _links(*, review: bool, rewards: bool) -> tuple[list[str], dict]:
    lines, values = [], {}
    if review:
        lines.append("Review held conversions: {{ review_url }}")
        values["review_url"] = absolute(reverse("referrals_conversion_review"))
    if rewards:
        lines.append("Gifts to ship: {{ rewards_url }}")
        values["rewards_url"] = absolute(reverse("referrals_reward:index") + "?status=released&kind=gift")
    return lines, values


def digest_for(
    recipient: selectors.Recipient, waiting: dict[int, selectors.Waiting], day: date
) -> tuple[str, str, dict] | None:
    """(subject, body copy, merge values) of one staff user's digest; None when nothing they may see waits."""
    user = recipient.user
    review, rewards = selectors.can_see(user, selectors.SEE_REVIEW), selectors.can_see(user, selectors.SEE_REWARDS)
    blocks, values = [], {}
    totals = selectors.Waiting()
    for program in recipient.programs:
        lines = _waiting_lines(waiting.get(program.pk, selectors.Waiting()), review=review, rewards=rewards)
        if not lines:
            continue
        field = f"program_{len(blocks) + 1}"
        values[field] = program.title
        blocks.append("\n".join([f"{{{{ {field} }}}}", *lines]))
        shown = waiting[program.pk]
        totals = selectors.Waiting(
            review=totals.review + (shown.review if review else 0),
            to_ship=totals.to_ship + (shown.to_ship if rewards else 0),
            waiting_for_graduate=totals.waiting_for_graduate + (shown.waiting_for_graduate if rewards else 0),
        )
    if not blocks:
        return None
    parts = []
    if totals.review:
        parts.append(f"{totals.review} to review")
    if totals.to_ship:
        parts.append(f"{totals.to_ship} to ship")
    if totals.waiting_for_graduate:
        parts.append(f"{totals.waiting_for_graduate} waiting for the graduate")
    subject = "Rewards waiting: " + ", ".join(parts)
    links, link_values = _links(review=bool(totals.review), rewards=bool(totals.to_ship or totals.waiting_for_graduate))
    footer, footer_values = _settings_line()
    body = "\n\n".join([f"What waits for the team on {_day_label(day)}:", *blocks, "\n".join(links), footer])
    return subject, body, {**values, **link_values, **footer_values}


def digest_send(*, now: datetime | None = None) -> int | None:
    """Today's digest (site time) to every staff user who wants it and may see something waiting; the
    number emailed, or None when today's was already done (by this or another worker)."""
    now = now or timezone.now()
    day = local(now).date()
    with transaction.atomic():
        run = _run_once(StaffEmailRun.Kind.DAILY_DIGEST, day, now)
        if run is None:
            return None
        people = selectors.recipients(wants="daily_digest")
        waiting = selectors.rewards_waiting(program_ids=sorted({p.pk for r in people for p in r.programs}))
        sent = 0
        for person in people:
            digest = digest_for(person, waiting, day)
            if digest is None:
                continue
            subject, body, values = digest
            key = f"staff-digest:{day.isoformat()}:{person.user.pk}"
            sent += _queue(
                kind=emails.DAILY_DIGEST.name,
                user=person.user,
                key=key,
                subject=subject,
                body=body,
                context=values,
                now=now,
            )
        run.sent = sent
        run.save(update_fields=["sent"])
    return sent


# --- The weekly summary ----------------------------------------------------------------


def _change(now: int, before: int) -> str:
    diff = now - before
    return f"{now} (the week before {before}, {'+' if diff > 0 else ''}{diff})" if diff else f"{now} (unchanged)"


def _nps_line(now: selectors.WeekNumbers, before: selectors.WeekNumbers) -> str:
    if now.nps is None:
        was = f"the week before {before.nps}" if before.nps is not None else "none the week before either"
        return f"NPS: no answers ({was})"
    answers = _plural(now.answers, "answer", "answers")
    if before.nps is None:
        return f"NPS: {now.nps} from {answers} (no answers the week before)"
    return f"NPS: {_change(now.nps, before.nps)}, from {answers}"


def _age(opened_at: datetime, now: datetime) -> str:
    days = (local(now).date() - local(opened_at).date()).days
    return "opened today" if days <= 0 else f"open {_plural(days, 'day', 'days')}"


def weekly_for(recipient, numbers, backlogs, waiting, *, now: datetime, monday: date) -> tuple[str, str, dict]:
    """(subject, body copy, merge values) of one staff user's weekly summary."""
    user = recipient.user
    review, rewards = selectors.can_see(user, selectors.SEE_REVIEW), selectors.can_see(user, selectors.SEE_REWARDS)
    cases, testimonials = (
        selectors.can_see(user, selectors.SEE_CASES),
        selectors.can_see(user, selectors.SEE_TESTIMONIALS),
    )
    values: dict[str, str] = {}
    blocks = []
    any_cases = any_testimonials = any_review = any_rewards = False
    for index, program in enumerate(recipient.programs, start=1):
        field = f"program_{index}"
        values[field] = program.title
        last, before = numbers[program.pk]
        lines = [f"{{{{ {field} }}}}"]
        lines += [f"{label}: {_change(last.counts[key], before.counts[key])}" for key, label in selectors.WEEK_STEPS]
        lines.append(_nps_line(last, before))
        backlog = backlogs[program.pk]
        waits = []
        if cases and backlog.cases_total:
            any_cases = True
            ages = ", ".join(f"#{pk} {_age(opened_at, now)}" for pk, opened_at in backlog.cases)
            more = backlog.cases_total - len(backlog.cases)
            ages += f", and {more} more" if more > 0 else ""
            waits.append(f"- {_plural(backlog.cases_total, 'open support case', 'open support cases')}: {ages}")
        if testimonials and backlog.testimonials:
            any_testimonials = True
            waits.append(f"- {_plural(backlog.testimonials, 'testimonial', 'testimonials')} waiting for moderation")
        program_waiting = waiting.get(program.pk, selectors.Waiting())
        reward_lines = _waiting_lines(program_waiting, review=review, rewards=rewards)
        any_review |= review and bool(program_waiting.review)
        any_rewards |= rewards and bool(program_waiting.to_ship or program_waiting.waiting_for_graduate)
        waits += reward_lines
        lines.append("Waiting:" if waits else "Nothing waits for the team.")
        lines += waits
        values[f"{field}_dashboard"] = absolute(reverse("program_dashboard", args=[program.pk]))
        lines.append(f"Dashboard: {{{{ {field}_dashboard }}}}")
        blocks.append("\n".join(lines))
    links, link_values = _links(review=any_review, rewards=any_rewards)
    if any_cases:
        links.insert(0, "Open support cases: {{ cases_url }}")
        link_values["cases_url"] = absolute(reverse("testimonials_supportcase:index") + "?status=open")
    if any_testimonials:
        links.insert(0, "Testimonials to moderate: {{ testimonials_url }}")
        link_values["testimonials_url"] = absolute(reverse("testimonials_testimonial:index") + "?status=pending")
    footer, footer_values = _settings_line()
    sunday = monday + timedelta(days=6)
    intro = (
        f"Last week, {_day_label(monday)} to {_day_label(sunday)}, per program, with the change from the week before."
    )
    subject = f"Your week: {monday.day} {monday:%b} – {sunday.day} {sunday:%b} {sunday.year}"
    body = "\n\n".join([intro, *blocks, *(["\n".join(links)] if links else []), footer])
    return subject, body, {**values, **link_values, **footer_values}


def weekly_send(*, now: datetime | None = None) -> int | None:
    """This week's summary of last week (Monday to Sunday, site time) to every staff user who wants it;
    the number emailed, or None when this week's was already done."""
    now = now or timezone.now()
    this_monday, _ = selectors.week_bounds(local(now).date())
    last_monday = this_monday - timedelta(days=7)
    with transaction.atomic():
        run = _run_once(StaffEmailRun.Kind.WEEKLY_SUMMARY, this_monday, now)
        if run is None:
            return None
        people = selectors.recipients(wants="weekly_summary")
        programs = {p.pk: p for r in people for p in r.programs}
        numbers = {
            pk: (selectors.week_numbers(p, last_monday), selectors.week_numbers(p, last_monday - timedelta(days=7)))
            for pk, p in programs.items()
        }
        backlogs = selectors.backlog(program_ids=sorted(programs))
        waiting = selectors.rewards_waiting(program_ids=sorted(programs))
        sent = 0
        for person in people:
            subject, body, values = weekly_for(person, numbers, backlogs, waiting, now=now, monday=last_monday)
            key = f"staff-weekly:{this_monday.isoformat()}:{person.user.pk}"
            sent += _queue(
                kind=emails.WEEKLY_SUMMARY.name,
                user=person.user,
                key=key,
                subject=subject,
                body=body,
                context=values,
                now=now,
            )
        run.sent = sent
        run.save(update_fields=["sent"])
    return sent


# --- Each staff user's choice ----------------------------------------------------------


def preferences_set(*, user, daily_digest: bool, weekly_summary: bool) -> StaffEmailPreferences:
    """Save one user's choice (the first save creates the row; two saves at once make one row)."""
    preferences, _ = StaffEmailPreferences.objects.update_or_create(
        user=user, defaults={"daily_digest": daily_digest, "weekly_summary": weekly_summary}
    )
    return preferences
