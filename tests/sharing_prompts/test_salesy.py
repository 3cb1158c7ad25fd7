"""The non-salesy check: honest reflective prompts pass, anything that reads as selling is named."""

import pytest

from campaigns import copy_checks
from sharing_prompts import checks, salesy
from sharing_prompts.salesy import Finding, check_sharing_prompt
from tests import copy_corpus

# Prompts a creator would write from the method's own examples (weight-loss milestones, self-talk
# breakthroughs, victory posts), including words that are salesy only in another sense.
HONEST = [
    "Tell three people close to you how it felt to reach your first weight-loss milestone.",
    "Share with one to three friends or family members one breakthrough in your self-talk: the words you used "
    "to use to put yourself down, and the kinder thoughts you have replaced them with.",
    "Make a victory post: toot your horn about what you have accomplished this week. Celebrate the small wins!",
    "Think of the moment you noticed your old jeans were loose. Tell someone you love what that moment felt like.",
    "Notice and register how your body feels now compared with day one, then tell one close friend about it.",
    "You lost your first 5 pounds! Share how you celebrated with two people who cheered you on.",
    "I used to discount my progress. Write down one thing you are proud of and share it with a family member.",
    "Remember when you first signed up and wondered whether anything could change? Tell a close friend what "
    "is different now.",
    "Share with a friend how you felt the day it finally registered that you had changed.",
    "In a hurry? Just send one line to a friend: what was your biggest win this month?",
    "Post a photo of your morning walk and say in your own words how much lighter you feel, 2 kg per month.",
    "You used to buy into the idea that you would never change. Tell two people about the thought that replaced it.",
    "Write to your sister about the first time you ordered a salad and actually enjoyed it.",
    "Say the words you used to tell yourself in the mirror, and the words you say now, to one person who knows "
    "you well. It is 100% your story.",
    "Got a promotion at work thanks to your new confidence? Tell your partner what changed inside first.",
    "Take a moment to register the change, then tell 1-3 people close to you how it felt. Email me at "
    "coach@focus.com if you want to tell me too.",
    "Since you enrolled you have saved 30 minutes every morning. Share what you do with that time now.",
    # Issue 12: words a sales pitch also uses, here in their everyday sense.
    "Tell a friend how the free worksheet from week one helped you.",
    "Feel free to share this with one person; describe a stress-free evening and how it felt to be free of pain.",
    "Join us in celebrating: tell two people about your first 5 km.",
    "Last week you ran without stopping. Tell someone how that felt.",
    "Only you know how hard this was. Share it with one friend.",
    "The course ends on Friday: share one thing you will keep doing.",
    "Tell someone who joined with you about the bonus lesson you liked most.",
    "You finally paid off your card. Tell your partner how that felt.",
]


@pytest.mark.parametrize("text", HONEST)
def test_honest_prompts_have_no_findings(text):
    assert check_sharing_prompt(text) == []


CHECKOUT = "https://shop.focus.example/enroll"

# (prompt, the phrase the check must report, exactly as written)
SALESY = [
    ("Tell them they can get the course at https://focus.example/checkout.", "https://focus.example/checkout"),
    ("Our pricing page: www.focus.example/pricing", "www.focus.example/pricing"),
    ("Mention it's only $49 for the whole program.", "$49"),
    ("It is just 49 € for friends.", "49 €"),
    ("Costs USD 20, a bargain.", "USD 20"),
    ("All for £10/month.", "£10/month"),
    ("A few dollars per month is all it takes.", "per month"),
    ("Friends get 20% off this week.", "20% off"),
    ("Tell them about the discount.", "discount"),
    ("Pass on this coupon to a friend.", "coupon"),
    ("Give them your promo code.", "promo code"),
    ("They can use code SPRING at the door.", "SPRING"),
    ("Enter discount code CALM20 at checkout.", "CALM20"),
    ("They save 30% when they mention you.", "save 30%"),
    ("Ask two friends to sign up.", "sign up"),
    ("Invite them to enroll.", "enroll"),
    ("Invite them to enrol.", "enrol"),
    ("Ask them to register before Friday.", "register"),
    ("Join now and celebrate with us!", "Join now"),
    ("This is a limited time celebration.", "limited time"),
    ("Tell them there are only 3 spots left.", "only 3 spots left"),
    ("Hurry, share your win!", "Hurry"),
    ("Last chance to tell your story.", "Last chance"),
    ("Tell them to buy the course.", "buy"),
    ("Friends can purchase a seat.", "purchase"),
    ("Order now and share later.", "Order now"),
    ("Get yours and share it.", "Get yours"),
    ("Share this link: shop.focus.example/enroll/", "shop.focus.example/enroll/"),
    ("Share https://anything.example/r/ANN-42 with them.", "https://anything.example/r/ANN-42"),
    ("Share your link {{ special_link }} with three friends.", "{{ special_link }}"),
    ("Tell them about {{friend_offer}}.", "{{friend_offer}}"),
    ("Friends get a free trial.", "free trial"),
    ("Ask for referrals from your gym buddies.", "referrals"),
]


@pytest.mark.parametrize(("text", "phrase"), SALESY)
def test_salesy_prompts_name_the_phrase(text, phrase):
    findings = check_sharing_prompt(text, checkout_url=CHECKOUT)
    assert phrase in [f.phrase for f in findings]
    assert all(f.reason.endswith(".") and len(f.reason) > 30 for f in findings)


def test_finding_is_a_frozen_phrase_and_reason():
    finding = check_sharing_prompt("Sign up!")[0]
    assert finding == Finding(phrase="Sign up", reason=salesy.SIGN_UP)
    with pytest.raises(AttributeError):
        finding.phrase = "x"


def test_each_distinct_phrase_once_in_text_order():
    text = "Buy it, $49. Hurry! buy it again, $49, sign up."
    assert [f.phrase for f in check_sharing_prompt(text)] == ["Buy", "$49", "Hurry", "sign up"]


def test_a_link_is_reported_whole_not_the_words_inside_it():
    findings = check_sharing_prompt("Go to https://focus.example/buy-now/signup?x=1.")
    assert findings == [Finding(phrase="https://focus.example/buy-now/signup?x=1", reason=salesy.LINK_BUY)]


@pytest.mark.parametrize(
    "written",
    [
        "https://shop.focus.example/enroll",
        "http://shop.focus.example/enroll/",
        "shop.focus.example/enroll",
        "www.shop.focus.example/enroll?cohort=3",
        "SHOP.FOCUS.EXAMPLE/enroll",
    ],
)
def test_checkout_url_matches_without_scheme_or_trailing_slash(written):
    findings = check_sharing_prompt(f"Share {written} with them.", checkout_url="shop.focus.example/enroll/")
    assert findings == [Finding(phrase=written, reason=salesy.LINK_CHECKOUT)]


def test_checkout_url_with_an_unusual_domain_is_still_found():
    findings = check_sharing_prompt("See pay.focus.coaching/x today", checkout_url="https://pay.focus.coaching/x")
    assert findings == [Finding(phrase="pay.focus.coaching/x", reason=salesy.LINK_CHECKOUT)]


def test_links_get_reasons_from_specific_to_mild():
    text = "See https://focus.example/about or https://blog.example.com/story and reddit.com/r/loseit."
    reasons = {f.phrase: f.reason for f in check_sharing_prompt(text, site_url="https://www.focus.example/")}
    assert reasons == {
        "https://focus.example/about": salesy.LINK_SITE,
        "https://blog.example.com/story": salesy.LINK_OTHER,
        "reddit.com/r/loseit": salesy.LINK_OTHER,  # a subreddit, not one of our referral links
    }


def test_referral_links_on_any_host():
    findings = check_sharing_prompt("Use my link https://go.other.org/r/X9 today")
    assert findings == [Finding(phrase="https://go.other.org/r/X9", reason=salesy.LINK_REFERRAL)]


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("Register how you felt", []),  # "notice": allowed
        ("It registered how far I had come", []),  # past tense narrates
        ("Register your spot", ["Register"]),
        ("Register now", ["Register now"]),
        ("Registration is open", ["Registration"]),
        ("I was in a hurry", []),
        ("Hurry up", ["Hurry up"]),
        ("Lost 10 pounds", []),
        ("Only 10 dollars", ["10 dollars"]),
        ("A discount for friends", ["discount"]),
        ("Stop discounting yourself and never discount your wins", []),
        ("You cracked the code to feeling calm", []),
        ("Promo code: CALM20", ["Promo code", "CALM20"]),
    ],
)
def test_word_boundaries_and_senses(text, phrases):
    assert [f.phrase for f in check_sharing_prompt(text)] == phrases


def test_registered_as_a_copy_check():
    if "sharing_prompt" not in copy_checks.kinds():
        checks.register_checks()
    checks.register_checks()  # again: harmless, as when ready() runs twice
    assert copy_checks.run("sharing_prompt", "Tell two friends how it felt.") == {
        "kind": "sharing_prompt",
        "salesy": False,
        "findings": [],
    }
    report = copy_checks.run("sharing_prompt", "Sign up at shop.focus.example/x", checkout_url="shop.focus.example/x")
    assert report == {
        "kind": "sharing_prompt",
        "salesy": True,
        "findings": [
            {"phrase": "Sign up", "reason": salesy.SIGN_UP},
            {"phrase": "shop.focus.example/x", "reason": salesy.LINK_CHECKOUT},
        ],
    }


# Issue 12: urgency, perks for newcomers and money are selling in any wording; each says why.
@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("It's only this week!", "only this week"),
        ("Last chance for your friends.", "Last chance"),
        ("Share it while it lasts.", "while it lasts"),
        ("The offer ends Friday.", "offer ends Friday"),
        ("Spots are filling up fast.", "Spots are filling up fast"),
        ("Doors close soon.", "Doors close soon"),
        ("Sign-ups close at midnight.", "Sign-ups close at midnight"),
        ("Tell them: 3 days left to get in.", "3 days left"),
    ],
)
def test_urgency_in_any_wording(text, phrase):
    findings = check_sharing_prompt(text)
    assert Finding(phrase=phrase, reason=salesy.URGENCY) in findings, findings


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Anyone who joins gets a free bonus call.", "free bonus call"),
        ("Friends who come along receive an extra session.", "extra session"),
        ("Newcomers get a welcome gift.", "welcome gift"),
        ("Tell them they get a complimentary one-to-one just for joining.", "complimentary one-to-one"),
    ],
)
def test_a_perk_promised_to_people_who_join(text, phrase):
    assert Finding(phrase=phrase, reason=salesy.PERK) in check_sharing_prompt(text)


def test_a_perk_the_student_had_is_no_offer():
    assert check_sharing_prompt("Remember the bonus call you got when you joined? Tell a friend about it.") == []


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Earn $20 for every friend.", "Earn $20 for every friend"),
        ("We pay a 10% commission.", "10% commission"),
        ("We'll pay you!", "We'll pay you"),
        ("Get paid per referral.", "Get paid per referral"),
        ("Win a cash reward.", "cash reward"),
        ("R$ 50 for each friend you bring.", "R$ 50 for each friend"),
        ("You get 30 euros per new member.", "get 30 euros per new member"),
    ],
)
def test_money_for_bringing_people(text, phrase):
    assert Finding(phrase=phrase, reason=salesy.CASH) in check_sharing_prompt(text)


def test_every_reason_has_a_kind():
    reasons = [value for name, value in vars(salesy).items() if name.isupper() and isinstance(value, str)]
    reasons = [r for r in reasons if r.endswith(".") and len(r) > 30]
    assert {salesy.reason_kind(r) for r in reasons} >= {"urgency", "perk", "cash", "price", "discount", "sign_up"}
    assert len(reasons) == len(salesy.REASON_KINDS)


# The corpus (tests/sharing_prompts/salesy_corpus.tsv): every tuned case must agree; held-out is reported.
CORPUS = copy_corpus.load(copy_corpus.SALESY_CORPUS)


@pytest.mark.parametrize("case", [c for c in CORPUS if c.split == "tuned"], ids=lambda c: f"{c.kind}: {c.text[:50]}")
def test_corpus_tuned_case_agrees(case):
    outcome = copy_corpus.salesy_outcome(case)
    assert outcome.agrees, outcome.got


def test_corpus_size_and_table():
    assert len(CORPUS) >= 30 and sum(c.split == "held_out" for c in CORPUS) >= 10
    outcomes = copy_corpus.evaluate(copy_corpus.SALESY_CORPUS, copy_corpus.salesy_outcome)
    text = copy_corpus.table("Non-salesy check", outcomes)
    for kind in ("urgency", "perk", "cash", "free-used", "join-us", "time-words", "only-you"):
        assert f"| {kind} | " in text
    tuned = sum(c.split == "tuned" for c in CORPUS)
    assert f"| **all** | {tuned}/{tuned} (100%) |" in text
