"""The referral half's email kinds and their default copy: the ask and its one reminder, the friend's
confirmation and welcome, "a friend joined" for the graduate, and the program page's own (registration
and waitlist confirmations, the welcome, "registration is open"). Registered in
``ReferralsConfig.ready()``.
"""

from mailers.kinds import EmailKind
from mailers.models import Category

ASK_EMAIL = EmailKind(
    name="referral_ask",
    category=Category.REFERRAL,
    description="The SMART-I referral ask.",
)
REMINDER_EMAIL = EmailKind(
    name="referral_reminder",
    category=Category.REFERRAL,
    description="One reminder of the ask, only if the link was not shared from the hub or opened by two people.",
    subject="Your special link is still waiting, {{ first_name }}",
    body="Hi {{ first_name }},\n\nA few days ago we asked whether you would send your special link to "
    "{{ ask_count }} people who could use what you found. We have not seen friends open it yet, so here it "
    "is again:\n\n{{ special_link }}\n\nThrough it they get {{ friend_offer }}. We will not remind you again.",
)
FRIEND_JOINED_EMAIL = EmailKind(
    name="friend_joined",
    category=Category.TRANSACTIONAL,
    description="Tells the graduate a friend joined through their link (once the friend confirmed).",
    subject="{{ friend_name }} joined through your link",
    body="Hi {{ first_name }},\n\n{{ friend_name }} just joined {{ program_title }} through your special link. "
    "Thank you for passing it on.\n\n{{ thank_you }}\n\nSee your friends and your link: {{ hub_url }}",
)
# The only email an address entered on a landing page gets before its owner says yes. It greets no one
# by name: the name was typed by whoever filled in the form.
FRIEND_CONFIRM_EMAIL = EmailKind(
    name="friend_confirm",
    category=Category.TRANSACTIONAL,
    description="Asks a friend who registered on a landing page to confirm their address; nothing "
    "happens (no enrollment, nobody told) until they do.",
    subject="Confirm your place in {{ program_title }}",
    body="Hello,\n\nThis address was entered on our page to register for {{ program_title }} through "
    "{{ referrer_name }}'s special link. If that was you, confirm your place here:\n\n{{ confirm_url }}\n\n"
    "The link works until {{ confirm_until }}. Nothing happens until you confirm: nobody is enrolled "
    "and nobody is told.\n\nIf it was not you, ignore this email. We will not write to you again "
    "about it, and your address is used for nothing else.",
)
FRIEND_WELCOME_EMAIL = EmailKind(
    name="friend_welcome",
    category=Category.TRANSACTIONAL,
    description="The friend's first email after they confirmed: where their address came from, when "
    "they start, how to begin, what their link gives them.",
    subject="Welcome to {{ program_title }}: what happens next",
    body="Hi {{ first_name }},\n\nYou registered for {{ program_title }} on our page through "
    "{{ referrer_name }}'s special link and confirmed your address: that is the only reason we "
    "have it.\n\nWhen you start: {{ start_line }}\n\nHow to begin: everything for the program is on your "
    "personal page (no password; keep the link to yourself):\n{{ hub_url }}\n\nWhat your link gives "
    "you: {{ offer_line }}\n\n{{ mail_line }}\n\nWelcome!",
)
# Ours, under the creator's ask: where the link, its QR code and ready messages are.
HUB_LINE = "\n\nYour link, its QR code and messages ready to send are on your page: {{ hub_url }}"
PROGRAM_CONFIRM_EMAIL = EmailKind(
    name="registration_confirm",
    category=Category.TRANSACTIONAL,
    description="Asks a person who registered on the public program page to confirm their address; "
    "nobody is enrolled until they do.",
    subject="Confirm your place in {{ program_title }}",
    body="Hello,\n\nThis address was entered on our page to register for {{ program_title }}. If that was "
    "you, confirm your place here:\n\n{{ confirm_url }}\n\nThe link works until {{ confirm_until }}. "
    "Nothing happens until you confirm.\n\nIf it was not you, ignore this email. We will not write to "
    "you again about it, and your address is used for nothing else.",
)
WAITLIST_CONFIRM_EMAIL = EmailKind(
    name="waitlist_confirm",
    category=Category.TRANSACTIONAL,
    description="Asks a person who wants to hear when registration opens to confirm their address.",
    subject="Confirm: tell me when {{ program_title }} opens",
    body="Hello,\n\nThis address was entered on our page to be told when registration for "
    "{{ program_title }} opens. If that was you, confirm here:\n\n{{ confirm_url }}\n\nThe link works "
    "until {{ confirm_until }}. Until you confirm we will not write to you.\n\nIf it was not you, ignore "
    "this email. We will not write to you again about it.",
)
PROGRAM_WELCOME_EMAIL = EmailKind(
    name="registration_welcome",
    category=Category.TRANSACTIONAL,
    description="The first email after a person who registered on the program page confirmed.",
    subject="Welcome to {{ program_title }}: what happens next",
    body="Hi {{ first_name }},\n\nYou registered for {{ program_title }} on our page and confirmed your "
    "address: that is the only reason we have it.\n\nWhen you start: {{ start_line }}\n\nHow to begin: "
    "everything for the program is on your personal page (no password; keep the link to yourself):\n"
    "{{ hub_url }}\n\n{{ mail_line }}\n\nWelcome!",
)
WAITLIST_OPEN_EMAIL = EmailKind(
    name="waitlist_open",
    category=Category.TRANSACTIONAL,
    description="The one email to a confirmed waitlisted person: registration is open now.",
    subject="Registration for {{ program_title }} is open",
    body="Hello,\n\nYou asked us to tell you when registration for {{ program_title }} opens: it is open "
    "now.\n\n{{ program_url }}\n\nThis is the only email we send about it.",
)

# Registered in the app's AppConfig.ready().
KINDS = (
    ASK_EMAIL,
    REMINDER_EMAIL,
    FRIEND_JOINED_EMAIL,
    FRIEND_CONFIRM_EMAIL,
    FRIEND_WELCOME_EMAIL,
    PROGRAM_CONFIRM_EMAIL,
    WAITLIST_CONFIRM_EMAIL,
    PROGRAM_WELCOME_EMAIL,
    WAITLIST_OPEN_EMAIL,
)
