"""Simulated graduates passing their special links on (for ``simulate_cohort``): friends click,
mail scanners and link previews click too (they must not count), some friends register."""

from campaigns import friends, referrals, simulation
from referrals.models import ReferralLink

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
        referrals.link_mark_shared(link=link, now=now)
        for _ in range(rng.randint(0, 2)):  # scanners and previews open it as the message arrives
            method, agent = rng.choice(NOT_PEOPLE)
            referrals.visit_record(
                link_id=link.pk, visitor=f"{rng.getrandbits(128):032x}", method=method, user_agent=agent, now=now
            )
        for index in range(rng.randint(0, 2)):
            visitor = f"{rng.getrandbits(128):032x}"
            for _ in range(rng.randint(1, 2)):  # opening it twice the same day counts once
                referrals.visit_record(link_id=link.pk, visitor=visitor, method="GET", user_agent=PERSON, now=now)
            if rng.random() < REGISTERS:
                lead = friends.lead_register(
                    link=link,
                    first_name=f"Friend{day}x{index}",
                    email=f"friend.{link.code.lower()}.{day}.{index}@example.test",
                    marketing_consent=True,
                    now=now,
                )
                friends.lead_confirm(lead_id=lead.pk, now=now)  # the simulated friend opens the email
                # A friend is as simulated as the graduate who brought them (their student, now enrolled).
                simulation.person_mark_simulated(email=lead.email)
