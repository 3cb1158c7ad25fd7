"""Who is not a person: crawlers, link previewers and mail security scanners.

Scanners (Microsoft Defender Safe Links, Proofpoint, Mimecast, Barracuda, Google's image
proxy...) open every link of an email as it arrives. Their visits must not count as clicks or
record a feedback score. Many identify themselves; those that don't are handled by design
(score clicks are overwritten by the person's own click, and routing waits for it; a graduate's
reminder waits for clicks from more than one person, see referrals.services.link_passed_on).

Robots are recognised by a maintained list, the ``crawlerdetect`` package (the patterns of the
PHP CrawlerDetect project: search engines, SEO crawlers, headless browsers, HTTP libraries, link
previewers), plus the mail-scanner names below, which that list lacks (tests/campaigns/test_bots.py
proves both halves: what we dropped from our own list, crawlerdetect covers).
"""

import functools
import re

from crawlerdetect import CrawlerDetect

# What crawlerdetect does not recognise (checked in tests/campaigns/test_bots.py): mail and web security
# scanners, the generic words some of them and many small previewers use, and names crawlerdetect knows
# only in one spelling ("Barracuda Sentinel (EE)", "^Java/", "via ggpht.com GoogleImageProxy"...).
BOT_USER_AGENT = re.compile(
    r"preview|scanner|scan\b|monitor|phantomjs|httpclient|java/|googleimageproxy|barracuda|proofpoint|"
    r"mimecast|safelinks|ms-office|symantec|trendmicro|forcepoint|cisco|ironport|fortiguard|zscaler",
    re.IGNORECASE,
)
# Real browsers' user agents are under 500 characters; a longer one is a tool, and an unbounded one
# would make every check (a few hundred regular expressions) as slow as the sender likes.
MAX_USER_AGENT = 1024
# Distinct user agents whose verdict is kept per process. People arrive with a few hundred browser
# builds; a sender who invents a new agent on every request pays ~0.1–0.3 ms of checking per request
# (bench/referral_clicks.py measures it) and only pushes out verdicts that are quickly made again.
VERDICTS_KEPT = 4096

_crawlers = CrawlerDetect()


def is_bot(request) -> bool:
    """HEAD requests, empty user agents and self-declared robots/scanners are not people."""
    return is_bot_visit(method=request.method, user_agent=request.META.get("HTTP_USER_AGENT", ""))


def is_bot_visit(*, method: str, user_agent: str) -> bool:
    if method == "HEAD":
        return True
    agent = (user_agent or "").strip()
    return not agent or len(agent) > MAX_USER_AGENT or is_robot_agent(agent)


@functools.lru_cache(maxsize=VERDICTS_KEPT)
def is_robot_agent(agent: str) -> bool:
    """Whether a (non-empty) User-Agent is a robot's. Cached per string: crawlerdetect runs one large
    alternation of patterns, ~0.1–0.3 ms, and the click must stay a fraction of a bare request."""
    return bool(BOT_USER_AGENT.search(agent)) or _crawlers.is_crawler(agent)
