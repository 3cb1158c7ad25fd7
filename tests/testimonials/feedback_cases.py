"""A fixed set of tricky feedback: (score, text, expected route, what it tests).

Every case must pass: when the classifier changes, this list says what it still gets right.
"""

LONG_PRAISE = "This program changed how I talk to my kids and I am so grateful for every session. " * 120
LONG_PRAISE_THEN_REFUND = LONG_PRAISE + "That said, the last module didn't apply to us and I want a refund for it."

CASES: list[tuple[int, str, str, str]] = [
    # The score alone.
    (10, "", "happy", "empty text: the score decides"),
    (7, "   \n ", "neutral", "whitespace only is no text"),
    (2, "", "unhappy", "empty text, low score"),
    (10, "No.", "happy", "a bare 'no' answers 'anything else?', it is not a complaint"),
    (9, "n/a", "happy", "non-answer"),
    # Idioms VADER misses: the complaint list.
    (9, "honestly a waste of money", "unhappy", "idiom VADER reads as +0.05"),
    (10, "Not worth it.", "unhappy", "idiom"),
    (9, "I want a refund", "unhappy", "refund request with a happy score"),
    (9, "it didn't help", "unhappy", "didn't help"),
    (8, "would not recommend", "unhappy", "neutral score, clear complaint"),
    (9, "great content but support never answered", "unhappy", "mixed: praise plus an unanswered support request"),
    (9, "Loved the content. The support was awful and rude.", "unhappy", "mixed over two sentences"),
    (10, "Loved every lesson, though I'd like to cancel my subscription", "unhappy", "wants to cancel"),
    # Lukewarm: a happy score is lowered one step only.
    (9, "meh", "neutral", "lukewarm word VADER barely scores"),
    (10, "it was ok I guess", "neutral", "faint praise"),
    (9, "a bit disappointed by the last module", "neutral", "mild disappointment"),
    (8, "meh", "neutral", "lukewarm text keeps a neutral score neutral"),
    # Sarcasm.
    (9, "great, another useless video", "unhappy", "sarcasm VADER reads as +0.32"),
    (10, "Oh great, yet another upsell email.", "unhappy", "sarcasm without a negative word"),
    (9, "Thanks for nothing", "unhappy", "sarcasm VADER reads as +0.44"),
    # Negation.
    (9, "not bad at all", "happy", "negated negative"),
    (10, "I can't say I didn't love it", "happy", "double negation VADER reads as -0.52"),
    (10, "I couldn't be happier!", "happy", "praise VADER reads as -0.42"),
    (9, "I can't recommend this course enough", "happy", "praise VADER reads as -0.28"),
    (9, "It was not a waste of money at all", "happy", "negated complaint phrase"),
    (10, "I thought it would be a waste of money, but it changed everything", "happy", "voiced doubt, not a complaint"),
    (9, "No refund needed, I love it", "happy", "negated refund"),
    (9, "my coach was never rude, always kind", "happy", "negated support complaint"),
    # Before/after stories: the ending counts.
    (10, "I was depressed and hopeless for years. This course gave me my life back.", "happy", "bad 'before'"),
    (
        10,
        "My son struggled with focus and I was exhausted and angry. After the program, things are calm.",
        "happy",
        "before/after with 'after the program'",
    ),
    (9, "It was great at first, now it's useless.", "unhappy", "the ending is the complaint"),
    # Emoji.
    (9, "😍😍😍", "happy", "emoji praise"),
    (9, "👎", "unhappy", "thumbs-down emoji VADER scores 0"),
    (10, "ok 🙄", "neutral", "eye-roll"),
    # ALL CAPS.
    (10, "BEST COURSE EVER!!!", "happy", "caps praise"),
    (9, "THIS WAS A WASTE OF MONEY", "unhappy", "caps complaint"),
    (8, "TERRIBLE. JUST TERRIBLE.", "unhappy", "caps: VADER -0.74"),
    (7, "I HATE IT", "unhappy", "neutral score, clearly negative"),
    # Text never raises a route.
    (3, "Absolutely wonderful, I loved every minute!", "unhappy", "glowing words do not lift a low score"),
    (7, "Amazing, life changing, thank you!", "neutral", "glowing words do not lift a neutral score"),
    (0, "😍", "unhappy", "emoji does not lift a 0"),
    # Non-English short words: VADER is English-only, the score decides.
    (9, "muy bueno", "happy", "Spanish praise scores 0"),
    (10, "sehr gut, danke", "happy", "German praise scores 0"),
    (8, "bof", "neutral", "French shrug scores 0"),
    (2, "nul", "unhappy", "French 'worthless' with a low score"),
    (10, "merci ❤️", "happy", "French thanks"),
    # Very long text.
    (10, LONG_PRAISE, "happy", "10,000 characters of praise"),
    (10, LONG_PRAISE_THEN_REFUND, "unhappy", "a refund request at the end of a long text"),
    (9, "great " * 10_000, "happy", "over MAX_TEXT_CHARS: judged on its beginning"),
]
