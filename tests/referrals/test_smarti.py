"""SMART-I: vague asks score low, the seed's better example scores 6, each criterion flips on one change."""

import pytest

from campaigns import copy_checks
from referrals import smarti
from referrals.smarti import CRITERIA, Criterion, SmartIReport, check_referral_ask, referral_ask_report, split_subject
from tests import copy_corpus

MISSION = (
    "to help one million children and their families overcome the crushing limitations of ADHD and thrive "
    "in their lives by the year 2025"
)

# Seed 002's "better example", spelled out as sent: the unique link and the program link filled in.
BETTER_SUBJECT = "Will you help us reach one million families?"
BETTER_BODY = """I just got done reading the incredible feedback you left about our "Sanity School" program. Wow. \
It's so inspiring to read what a difference it's made in you and your family's life.
In fact, I popped it right into this email so you could be reminded of the beautiful things you had to say about it.

We have a mission – to help one million children and their families overcome the crushing limitations of ADHD \
and thrive in their lives by the year 2025.
That's what gets us up in the morning. It's our BIG WHY.
But it's a wildly audacious goal.
So audacious, that we literally can't do it alone. We need you.
As one of the people whose family and lives have been touched by our work, we are asking you for your help.
Would you do that for us? If so, you have my deepest gratitude. Please read on for exactly how you can help us \
achieve our mission.

Here's how you can help:

First, will you please close your eyes (I know, I know) and think of between one and three kids in your life or \
your kids' lives who have ADHD? Once you've got that child or children in your mind…

Now, given all you said about how Sanity School has made a difference for you and your family, please consider \
reaching out to these people to let them know about Sanity School.

Depending on your relationship with these people, email may be a nice way to reach out about this. You can just \
briefly let them know the difference Sanity School has made for you and your family, and extend them a special \
discount (or free 1-week trial) if they'd like to join. You can also let them know that if they register through \
your special link, that they'll be able to register right now (even though we're closed for registration for \
everyone else). Here's your special link (be sure to include that link so we know it was YOU who sent these folks \
our way!) https://sanityschool.example/r/ANN-7Q2

If it feels right, we'd also be so grateful if you'd make a similar heartfelt share on social media in case there \
are families in your social network who are suffering in silence…what a difference it will make if even ONE family \
sees that post and gets the kind of life-changing results that you have. Yes?

I know this is a BIG ask, but imagine how you would grateful you would have been to whoever told you about Sanity \
School.

Oh, and we're playing a little game here at IMPACT HQ, we want to see how much closer we can get to reaching our \
crazy goal in the next week – would you be willing to play that game along with us by reaching out to your \
community with the above request in the next week?

Finally, I get the feeling, based on the stuff you said about Sanity School, that you would help us reach this \
goal simply because you're moved to help other children and families to overcome the challenges from ADHD, but as \
our way of saying "thanks" for your help, we'd love to give you a special, exclusive trial of our year-long group \
coaching program – Focus Mastery https://sanityschool.example/focus-mastery when any of the people you refer joins \
Sanity School.

Diane and Elaine"""

# The same ask as a creator writes it once for every graduate, with merge fields.
TEMPLATE_SUBJECT = "{{ first_name }}, will you help us reach our goal?"
TEMPLATE_BODY = """I just got done reading the incredible feedback you left about {{ program_title }}:

"{{ testimonial_quote }}"

We have a mission – {{ mission_statement }}. So far: {{ mission_progress }}. We can't do it alone. We need you.

Here's how you can help: think of {{ ask_count }} kids in your life or your kids' lives who have ADHD.
Please consider reaching out to them {{ ask_deadline }} and give them your special link: {{ special_link }}

Imagine how grateful you would have been to whoever told you about {{ program_title }}.

Diane and Elaine"""

TEMPLATE_VALUES = {
    "first_name": "Ann",
    "program_title": "Sanity School",
    "testimonial_quote": "Our mornings went from screaming matches to calm. I got my son back.",
    "mission_statement": MISSION,
    "mission_progress": "412,300 families",
    "ask_count": "between one and three",
    "ask_deadline": "in the next 7 days",
    "special_link": "https://sanityschool.example/r/ANN-7Q2",
}


def met(report: SmartIReport) -> list[str]:
    return [name for name, criterion in report.criteria.items() if criterion.met]


def test_the_better_example_spelled_out_scores_six():
    report = check_referral_ask(subject=BETTER_SUBJECT, body=BETTER_BODY, mission_statement=MISSION)
    assert report.score == 6, report.as_json()
    assert report.criteria["specific"].reason == (
        "Specific: names who to think of (“kids in your life or your kids' lives who have ADHD”)"
    )
    assert report.criteria["measurable"].reason == "Measurable: asks for between one and three kids"
    assert report.criteria["time_bound"].reason == "Time-bound: gives a window (“in the next week”)"


def test_the_better_example_also_scores_six_without_a_mission_statement():
    # It says "We have a mission" in its own words.
    assert check_referral_ask(subject=BETTER_SUBJECT, body=BETTER_BODY).score == 6


def test_the_better_example_with_merge_fields_scores_six_when_rendered():
    report = check_referral_ask(subject=TEMPLATE_SUBJECT, body=TEMPLATE_BODY, values=TEMPLATE_VALUES)
    assert report.score == 6, report.as_json()
    assert report.criteria["relevant"].reason == "Relevant: states the mission ({{ mission_statement }})"
    assert report.criteria["inspiring"].reason.startswith("Inspiring: quotes their own testimonial back")


def test_the_template_without_values_shows_what_rests_on_them():
    report = check_referral_ask(subject=TEMPLATE_SUBJECT, body=TEMPLATE_BODY)
    assert met(report) == ["specific", "inspiring"]
    reasons = {name: c.reason for name, c in report.criteria.items()}
    assert "{{ ask_count }} has no value here" in reasons["measurable"]
    assert "{{ special_link }} has no value here" in reasons["actionable"]
    assert "{{ mission_statement }} has no value here" in reasons["relevant"]
    assert "{{ ask_deadline }} has no value here" in reasons["time_bound"]


VAGUE = [
    "Please help spread the word",
    "We need your help! Will you help spread the word by telling your friends about Focus Kids?\n"
    "We've been working so hard to make Focus Kids awesome in so many ways and we know your people will love it!\n"
    "Please send 'em here to learn more!\n\nAnders McScamperton",
    "Tell anyone who might be interested!",
    "Share the love: forward this to everyone you know.",
    "If you know someone, let them know about us. Thanks!",
]


@pytest.mark.parametrize("body", VAGUE)
def test_vague_asks_score_at_most_one(body):
    assert check_referral_ask(subject="A favour?", body=body).score <= 1


def test_spread_the_word_is_named_in_the_reasons():
    report = check_referral_ask(subject="", body="Please help spread the word")
    assert report.score == 0
    assert report.criteria["specific"].reason.startswith("Specific: “spread the word” does not say who")
    assert report.criteria["measurable"].reason.startswith("Measurable: no number of people is asked for")


# (criterion, unmet copy, the same copy with one change that meets it)
FLIPS = [
    ("specific", "Think of 1–3 people.", "Think of 1–3 parents you know whose kids struggle with focus."),
    ("specific", "Tell your friends.", "Tell your friends with teenagers."),
    ("measurable", "Think of parents you know.", "Think of 1-3 parents you know."),
    ("measurable", "Think of some friends.", "Think of one or two friends."),
    ("measurable", "Think of a few of your closest friends.", "Think of three of your closest friends."),
    ("actionable", "Send them your link.", "Send them your link: https://focus.example/r/ANN"),
    ("actionable", "Your link: https://focus.example/r/ANN", "Forward your link: https://focus.example/r/ANN"),
    ("relevant", "Help a family this week.", "Help a family this week; our mission is calm mornings."),
    ("time_bound", "Send it to them.", "Send it to them in the next 7 days."),
    ("time_bound", "Send it to them.", "Send it to them by Friday."),
    ("time_bound", "Send it to them.", "Send it to them this week."),
    ("time_bound", "Send it to them.", "Send it to them before March 3."),
    ("inspiring", "Send it to them.", "Imagine the difference it could make."),
]


@pytest.mark.parametrize(("criterion", "before", "after"), FLIPS)
def test_each_criterion_flips_on_one_change(criterion, before, after):
    assert not check_referral_ask(subject="", body=before).criteria[criterion].met
    assert check_referral_ask(subject="", body=after).criteria[criterion].met


def test_relevance_uses_the_mission_statement_words():
    mission = "calm mornings for 10,000 families with ADHD by 2030"
    unrelated = check_referral_ask(subject="", body="Our mission matters.", mission_statement=mission)
    assert not unrelated.criteria["relevant"].met
    related = check_referral_ask(subject="", body="Help more families with ADHD.", mission_statement=mission)
    assert related.criteria["relevant"].met
    assert related.criteria["relevant"].reason == "Relevant: ties the ask to the mission (“families”, “ADHD”)"


def test_mission_figures_are_not_a_number_of_people():
    report = check_referral_ask(subject="", body="We have helped 412,300 families and one million children.")
    assert not report.criteria["measurable"].met
    assert not check_referral_ask(subject="", body="We helped 100 families this year.").criteria["measurable"].met


def test_a_year_is_not_a_window_for_the_ask():
    assert not check_referral_ask(subject="", body="We'll reach our goal by 2030.").criteria["time_bound"].met


@pytest.mark.parametrize(
    ("values", "met_"),
    [
        (None, False),
        ({}, False),
        ({"ask_count": ""}, False),
        ({"ask_count": None}, False),
        ({"ask_count": "1–3"}, True),
        ({"ask_count": 3}, True),
    ],
)
def test_ask_count_counts_only_when_the_value_is_given(values, met_):
    report = check_referral_ask(subject="", body="Please share it with {{ ask_count }}.", values=values)
    assert report.criteria["measurable"].met is met_
    if met_:
        assert report.criteria["measurable"].reason == f"Measurable: asks for {values['ask_count']} people"
    else:
        assert report.criteria["measurable"].reason == (
            "Measurable: no number of people is asked for, e.g. “1–3 friends” "
            "({{ ask_count }} has no value here, so it does not count)"
        )


@pytest.mark.parametrize(
    ("field", "value", "criterion"),
    [
        ("ask_deadline", "by March 3", "time_bound"),
        ("ask_deadline", "2026-03-03", "time_bound"),
        ("mission_progress", "412,300 of 1,000,000 families", "relevant"),
        ("special_link", "https://focus.example/r/ANN", "actionable"),
    ],
)
def test_rendered_fields_meet_their_criterion(field, value, criterion):
    body = f"Send this {{{{ {field} }}}}"
    assert not check_referral_ask(subject="", body=body).criteria[criterion].met
    assert check_referral_ask(subject="", body=body, values={field: value}).criteria[criterion].met


def test_testimonial_quote_is_part_of_inspiring():
    body = 'You wrote: "{{ testimonial_quote }}". Imagine that for a friend.'
    assert not check_referral_ask(subject="", body=body).criteria["inspiring"].met
    quoted = check_referral_ask(subject="", body=body, values={"testimonial_quote": "We sleep now."})
    assert quoted.criteria["inspiring"].met


def test_subject_counts_too():
    body = "Send your link https://focus.example/r/ANN to them."
    assert check_referral_ask(subject="By Friday?", body=body).criteria["time_bound"].met


def test_report_shape_and_json():
    report = check_referral_ask(subject="", body="Please help spread the word")
    assert (
        tuple(report.criteria)
        == CRITERIA
        == (
            "specific",
            "measurable",
            "actionable",
            "relevant",
            "time_bound",
            "inspiring",
        )
    )
    assert all(isinstance(c, Criterion) for c in report.criteria.values())
    data = report.as_json()
    assert list(data) == ["criteria", "score"]
    assert list(data["criteria"]) == list(CRITERIA)
    assert data["criteria"]["specific"] == {"met": False, "reason": report.criteria["specific"].reason}
    assert data["score"] == report.score == 0


@pytest.mark.parametrize(
    ("text", "subject", "body"),
    [
        ("Subject: Three families\nThink of them.", "Three families", "Think of them."),
        ("subject:Hi\r\n\r\nBody\r\n", "Hi", "Body"),
        ("No subject line\nhere", "", "No subject line\nhere"),
    ],
)
def test_split_subject(text, subject, body):
    assert split_subject(text) == (subject, body)


def test_registered_as_a_copy_check_by_campaigns():
    assert "referral_ask" in copy_checks.kinds()
    text = f"Subject: {TEMPLATE_SUBJECT}\n{TEMPLATE_BODY}"
    result = copy_checks.run("referral_ask", text, values=TEMPLATE_VALUES)
    assert result == {"kind": "referral_ask", **referral_ask_report(text, values=TEMPLATE_VALUES)}
    assert result["score"] == 6
    assert copy_checks.options("referral_ask") == ("values", "mission_statement", "assume_filled")


def test_registry_rejects_unknown_kinds_and_clashes():
    with pytest.raises(copy_checks.UnknownCopyCheck, match="unknown kind 'nope'; known kinds: .*referral_ask"):
        copy_checks.run("nope", "text")
    with pytest.raises(ValueError, match="already registered"):
        copy_checks.register("referral_ask", lambda text: {})
    with pytest.raises(ValueError, match="not a valid check kind"):
        copy_checks.register("Bad Kind", lambda text: {})


# Issue 12: a general word ("someone", "people you know") narrowed by who exactly is specific.
@pytest.mark.parametrize(
    ("body", "quoted"),
    [
        (
            "Think of three friends who, like you, keep trying to quit smoking.",
            "friends who, like you, keep trying to quit smoking",
        ),
        (
            "Think of someone from your running club who is always injured.",
            "someone from your running club who is always injured",
        ),
        ("Think of people you know who are caring for an ageing parent.", "people you know who are caring for"),
        ("Is there anyone at your office who dreads Mondays?", "anyone at your office who dreads Mondays"),
        ("Think of someone at your gym.", "someone at your gym"),
    ],
)
def test_a_general_word_narrowed_by_who_exactly_is_specific(body, quoted):
    specific = check_referral_ask(subject="", body=body).criteria["specific"]
    assert specific.met, specific.reason
    assert specific.reason.startswith(f"Specific: names who to think of (“{quoted}")


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("Share with everyone you know.", "everyone"),
        ("Tell people.", "people"),
        ("Send it to anyone who might be interested.", "anyone who might be interested"),
        ("Think of someone who would love this.", "someone who would love this"),
        ("Tell someone in your life about it.", "someone in your life"),
        ("Think of friends who could use it too.", "friends who could use it too"),
    ],
)
def test_generic_asks_still_fail_specific_and_name_the_vague_words(body, named):
    specific = check_referral_ask(subject="", body=body).criteria["specific"]
    assert not specific.met
    assert specific.reason.startswith(f"Specific: “{named}” does not say who")


# The method's rule: the thank-you is never money. An ask that pays for referrals fails Relevant.
@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ("Earn $20 for every friend who joins.", "Earn $20 for every friend"),
        ("You get a 10% commission on each signup.", "10% commission"),
        ("We'll pay you when a friend enrolls.", "We'll pay you"),
        ("Get paid per referral!", "Get paid per referral"),
        ("A cash reward for each family you bring.", "cash reward"),
        ("Receive 500 kr for every friend.", "Receive 500 kr for every friend"),
        ("Each friend earns you ¥3000.", "Each friend earns you ¥3000"),
    ],
)
def test_money_for_referring_fails_relevant_with_the_reason(body, phrase):
    mission_body = f"We are out to help 10,000 families sleep by 2030 — our mission. {body}"
    relevant = check_referral_ask(subject="", body=mission_body).criteria["relevant"]
    assert not relevant.met
    assert relevant.reason.startswith(
        f"{smarti.MONEY_PREFIX} (“{phrase}”) — the thank-you for referring is never money"
    )


@pytest.mark.parametrize(
    "body",
    [
        "Your friend gets €50 off their first month and a free 1-week trial.",
        "As a thank-you, you get a bonus coaching session when a friend joins.",
        "You once paid $49 for a book that changed nothing; this program changed everything.",
    ],
)
def test_a_friend_discount_or_a_thank_you_in_kind_is_not_money(body):
    assert not check_referral_ask(subject="", body=body).criteria["relevant"].reason.startswith(smarti.MONEY_PREFIX)


def test_money_in_a_rendered_field_counts_too():
    body = "Think of 1–3 parents. {{ thank_you }}"
    report = check_referral_ask(
        subject="",
        body=body,
        values={"thank_you": "A $25 gift card for every parent who joins."},
        mission_statement=MISSION,
    )
    assert report.criteria["relevant"].reason.startswith(f"{smarti.MONEY_PREFIX} (“$25 gift card for every parent”)")


def test_the_seed_examples_never_read_as_money():
    assert check_referral_ask(subject=BETTER_SUBJECT, body=BETTER_BODY, mission_statement=MISSION).score == 6
    assert check_referral_ask(subject=TEMPLATE_SUBJECT, body=TEMPLATE_BODY, values=TEMPLATE_VALUES).score == 6


def test_assumed_filled_fields_count_as_present_and_say_so():
    report = check_referral_ask(subject=TEMPLATE_SUBJECT, body=TEMPLATE_BODY, assume_filled=smarti.ENGINE_FILLED)
    reasons = {name: c.reason for name, c in report.criteria.items()}
    assert report.assumed == ("ask_count", "ask_deadline", "mission_progress", "mission_statement", "special_link")
    assert reasons["measurable"] == "Measurable: asks for {{ ask_count }} people (assumed filled)"
    assert reasons["time_bound"] == "Time-bound: gives a deadline ({{ ask_deadline }}, assumed filled)"
    assert reasons["relevant"] == "Relevant: states the mission ({{ mission_statement }}, assumed filled)"
    assert reasons["actionable"].endswith("gives the link to share ({{ special_link }}, assumed filled)")
    # testimonial_quote is the graduate's own words, not something the engine always has.
    assert "testimonial_quote" not in report.assumed and "quotes their own testimonial" not in reasons["inspiring"]


def test_a_given_value_beats_the_assumption():
    report = check_referral_ask(
        subject="", body="Share it with {{ ask_count }}.", values={"ask_count": "2"}, assume_filled=("ask_count",)
    )
    assert report.assumed == ()
    assert report.criteria["measurable"].reason == "Measurable: asks for 2 people"


def test_the_registry_report_notes_what_it_assumed():
    report = referral_ask_report("Send {{ special_link }} to one friend who runs.", assume_filled=True)
    assert report["assumed_filled"] == ["special_link"]
    assert report["note"] == (
        "Without --program, {{ special_link }} counted as present: the engine always fills them. "
        "Pass --program SLUG to render them with a program's values."
    )
    assert "assumed_filled" not in referral_ask_report("Send {{ special_link }} to one friend who runs.")
    assert referral_ask_report("Send it to one friend.", assume_filled=True)["assumed_filled"] == []


# The corpus (tests/referrals/smarti_corpus.tsv): every tuned case must agree; held-out is reported.
CORPUS = copy_corpus.load(copy_corpus.SMARTI_CORPUS)


@pytest.mark.parametrize("case", [c for c in CORPUS if c.split == "tuned"], ids=lambda c: f"{c.kind}: {c.text[:50]}")
def test_corpus_tuned_case_agrees(case):
    outcome = copy_corpus.smarti_outcome(case)
    assert outcome.agrees, outcome.got


def test_corpus_size_and_table():
    assert len(CORPUS) >= 30 and sum(c.split == "held_out" for c in CORPUS) >= 10
    outcomes = copy_corpus.evaluate(copy_corpus.SMARTI_CORPUS, copy_corpus.smarti_outcome)
    text = copy_corpus.table("SMART-I check", outcomes)
    for kind in ("specific-with-qualifier", "generic", "cash", "no-money"):
        assert f"| {kind} | " in text
    tuned = sum(c.split == "tuned" for c in CORPUS)
    assert f"| **all** | {tuned}/{tuned} (100%) |" in text
