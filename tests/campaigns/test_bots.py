"""Who is a person: crawlerdetect's maintained list plus our own mail-scanner names (campaigns.bots)."""

import pytest
from crawlerdetect import CrawlerDetect

from campaigns import bots

PEOPLE = {
    "Chrome, Windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Edge, Windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
    "Chrome, Android": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36",
    "Samsung Internet": "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
    "Firefox, Linux": "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Firefox, Android": "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0",
    "Safari, macOS": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Safari, iPhone": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Chrome, iPhone": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
    "Facebook's in-app browser": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/460.0.0.40.109;]",
    "Instagram's in-app browser": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 Instagram 330.0.0.40.92",
}

ROBOTS = {
    "Googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Googlebot, smartphone": "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.6367.91 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html)",
    "AhrefsBot": "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "GPTBot": "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
    "headless Chrome": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/124.0.0.0 Safari/537.36",
    "Lighthouse": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/79.0.3945.0 Safari/537.36 Lighthouse",
    "Scrapy": "Scrapy/2.11.0 (+https://scrapy.org)",
    "axios": "axios/1.6.0",
    "node-fetch": "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
    "aiohttp": "Python/3.11 aiohttp/3.9.5",
    "HTTPie": "HTTPie/3.2.2",
}

# The names our own list had before crawlerdetect, now left to crawlerdetect, each with a real
# User-Agent: crawlerdetect alone must recognise it (our list keeps only the generic "preview").
LEFT_TO_CRAWLERDETECT = {
    "bot": "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "crawl": "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/) crawler",
    "spider": "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "slurp": "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
    "checker": "LinkChecker/10.2.1 (+https://linkchecker.github.io/linkchecker/)",
    "python-requests": "python-requests/2.31.0",
    "python-urllib": "Python-urllib/3.11",
    "curl": "curl/8.5.0",
    "wget": "Wget/1.21.4",
    "okhttp": "okhttp/4.12.0",
    "go-http-client": "Go-http-client/1.1",
    "libwww": "libwww-perl/6.72",
    "facebookexternalhit": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "whatsapp": "WhatsApp/2.23.20.0 A",
    "telegrambot": "TelegramBot (like TwitterBot)",
    "slackbot": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "discordbot": "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "linkedinbot": "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "twitterbot": "Twitterbot/1.0",
    "skypeuripreview": "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
    "bingpreview": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) BingPreview/1.0b",
    "yahoomailproxy": "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html",
    "microsoft office": "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.4266; Pro)",
    "outlook-ios-linkpreview": "Outlook-iOS-LinkPreview/1.0",
}

# Mail and web security scanners crawlerdetect lacks, and names it knows in one spelling only: our own
# list keeps them.
SCANNERS = {
    "Barracuda": "Mozilla/5.0 (compatible; Barracuda Sentinel)",  # crawlerdetect: only "... Sentinel (EE)"
    "Java": "Mozilla/5.0 (Windows NT 10.0) Java/1.8.0_292",  # crawlerdetect: only at the start
    "an HTTP client": "SomeCorp Link HttpClient/2.0",
    "PhantomJS": "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS",
    "Gmail's image proxy": "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 GoogleImageProxy",
    "Mimecast": "Mozilla/5.0 (compatible; Mimecast Safe Links Scanner)",
    "Proofpoint": "Mozilla/5.0 (compatible; Proofpoint URL Defense)",
    "Safe Links": "Mozilla/5.0 (Windows NT 10.0) SafeLinks/1.0",
    "ms-office": "Mozilla/4.0 (compatible; ms-office; MSOffice 16)",
    "Symantec": "Mozilla/5.0 (compatible; Symantec Email Security.cloud)",
    "Trend Micro": "Mozilla/5.0 (compatible; TrendMicro Email Security)",
    "Forcepoint": "Mozilla/5.0 (compatible; Forcepoint Email Security)",
    "Cisco": "Mozilla/5.0 (compatible; Cisco Secure Email)",
    "IronPort": "Mozilla/5.0 (compatible; IronPort URL filter)",
    "FortiGuard": "Mozilla/5.0 (compatible; FortiGuard Web Filter)",
    "Zscaler": "Mozilla/5.0 (compatible; Zscaler)",
    "a scanner": "Mozilla/5.0 (compatible; ExampleMail link scanner)",
    "a previewer": "Mozilla/5.0 (compatible; AcmeChat LinkPreview Generator)",
}


@pytest.mark.parametrize("agent", PEOPLE.values(), ids=PEOPLE.keys())
def test_phones_and_desktops_browsers_are_people(agent):
    assert not bots.is_bot_visit(method="GET", user_agent=agent)


@pytest.mark.parametrize("agent", ROBOTS.values(), ids=ROBOTS.keys())
def test_crawlerdetect_recognises_crawlers_headless_browsers_and_http_libraries(agent):
    assert bots.is_bot_visit(method="GET", user_agent=agent)


@pytest.mark.parametrize("agent", LEFT_TO_CRAWLERDETECT.values(), ids=LEFT_TO_CRAWLERDETECT.keys())
def test_what_our_list_no_longer_names_crawlerdetect_covers(agent):
    assert CrawlerDetect().is_crawler(agent)  # crawlerdetect alone, without our list
    assert bots.is_bot_visit(method="GET", user_agent=agent)


@pytest.mark.parametrize("agent", SCANNERS.values(), ids=SCANNERS.keys())
def test_our_mail_scanner_names_are_robots(agent):
    assert bots.is_bot_visit(method="GET", user_agent=agent)


@pytest.mark.parametrize(
    ("method", "agent"),
    [("HEAD", PEOPLE["Safari, iPhone"]), ("GET", ""), ("GET", "   "), ("GET", PEOPLE["Chrome, Android"] + " x" * 600)],
    ids=["HEAD", "empty", "blank", "over 1 KB"],
)
def test_head_requests_empty_and_overlong_agents_are_not_people(method, agent):
    assert bots.is_bot_visit(method=method, user_agent=agent)


def test_the_verdict_is_kept_per_user_agent():
    agent = PEOPLE["Firefox, Linux"] + " (verdict cache test)"
    before = bots.is_robot_agent.cache_info()
    assert not bots.is_bot_visit(method="GET", user_agent=agent)
    assert not bots.is_bot_visit(method="GET", user_agent=agent)
    after = bots.is_robot_agent.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)
