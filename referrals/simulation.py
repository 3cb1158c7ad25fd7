"""Simulated graduates passing their special links on (for ``simulate_cohort``): friends click,
mail scanners and link previews click too (they must not count), some friends register.

Clicks go through the view's own path (``clicks.visit_record``: the robot check, then the click
statement ``ReferralClick.objects.record``), so a simulated run records what real visits would.
"""

from campaigns import simulation
from referrals import clicks, leads, services
from referrals.models import FriendLead, ReferralLink

SHARE_PER_DAY = 0.3  # chance a graduate with a link passes it on today
PERSON = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
NOT_PEOPLE = [
    ("GET", "Mozilla/5.0 (compatible; Barracuda Sentinel (EE))"),
    ("GET", "Microsoft Office/16.0 (Windows NT 10.0; SafeLinks)"),
    ("GET", "WhatsApp/2.23.20 A"),
    ("HEAD", PERSON),
    ("GET", ""),
]
REGISTERS = 0.3  # share of clicking friends who register


def graduates_share_links(*, program, cohort: str, day: int, now, rng) -> None:
    links = (
        ReferralLink.objects.filter(
            program=program, student__enrollments__program=program, student__enrollments__cohort=cohort
        )
        .select_related("student", "program")
        .order_by("pk")
    )
    for link in links:
        if rng.random() >= SHARE_PER_DAY:
            continue
        services.link_mark_shared(link=link, now=now)
        for _ in range(rng.randint(0, 2)):  # scanners and previews open it as the message arrives
            method, agent = rng.choice(NOT_PEOPLE)
            clicks.visit_record(
                code=link.code, visitor=f"{rng.getrandbits(128):032x}", method=method, user_agent=agent, now=now
            )
        for index in range(rng.randint(0, 2)):
            visitor = f"{rng.getrandbits(128):032x}"
            for _ in range(rng.randint(1, 2)):  # opening it twice the same day counts once
                clicks.visit_record(code=link.code, visitor=visitor, method="GET", user_agent=PERSON, now=now)
            if rng.random() < REGISTERS:
                lead = leads.lead_register(
                    link=link,
                    first_name=f"Friend{day}x{index}",
                    email=f"friend.{link.code.lower()}.{day}.{index}@example.test",
                    marketing_consent=True,
                    now=now,
                )
                leads.lead_confirm(lead_id=lead.pk, now=now)  # the simulated friend opens the email
                # A friend is as simulated as the graduate who brought them (their student, now enrolled).
                simulation.person_mark_simulated(email=lead.email)


def friends_brought(*, cohort: str):
    """The simulated people the cohort's graduates brought: the students of their confirmed friends (the
    ticks act on them too) and every friend's address (the run's end withholds what is left to send them)."""
    leads_of_cohort = FriendLead.objects.filter(link__student__enrollments__cohort=cohort)
    return leads_of_cohort.filter(student__isnull=False).values("student_id"), leads_of_cohort.values("email")
