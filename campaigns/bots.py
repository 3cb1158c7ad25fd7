"""Who is not a person: crawlers, link previewers and mail security scanners.

Scanners (Microsoft Defender Safe Links, Proofpoint, Mimecast, Barracuda, Google's image
proxy...) open every link of an email as it arrives. Their visits must not count as clicks or
record a feedback score. Many identify themselves; those that don't are handled by design
(score clicks are overwritten by the person's own click, and routing waits for it).
"""

import re

BOT_USER_AGENT = re.compile(
    r"bot\b|crawl|spider|slurp|preview|scanner|scan\b|checker|monitor|phantomjs|python-requests|"
    r"python-urllib|curl/|wget/|httpclient|okhttp|go-http-client|java/|libwww|facebookexternalhit|"
    r"whatsapp|telegrambot|slackbot|discordbot|linkedinbot|twitterbot|skypeuripreview|bingpreview|"
    r"googleimageproxy|yahoomailproxy|proofpoint|mimecast|barracuda|safelinks|microsoft office|"
    r"ms-office|outlook-ios-linkpreview|symantec|trendmicro|forcepoint|cisco|ironport|fortiguard|zscaler",
    re.IGNORECASE,
)


def is_bot(request) -> bool:
    """HEAD requests, empty user agents and self-declared robots/scanners are not people."""
    return is_bot_visit(method=request.method, user_agent=request.META.get("HTTP_USER_AGENT", ""))


def is_bot_visit(*, method: str, user_agent: str) -> bool:
    if method == "HEAD":
        return True
    agent = (user_agent or "").strip()
    return not agent or bool(BOT_USER_AGENT.search(agent))
