"""The referral half's email kinds and their default copy: the ask and its one reminder, the friend's
confirmation and welcome, the graduate's loop emails (a friend joined; their thank-you released, shipped
or revoked), and the program page's own (registration and waitlist confirmations, the welcome,
"registration is open"). Registered in ``ReferralsConfig.ready()``.
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
# The graduate's loop emails (referrals/loops.py): a friend joined, and their thank-you released, shipped
# or revoked. Each names the friend only as far as the friend chose ({{ friend_name }} is "a friend"
# otherwise), so the copy never starts a sentence with it.
FRIEND_JOINED_EMAIL = EmailKind(
    name="friend_joined",
    category=Category.TRANSACTIONAL,
    description="Tells the graduate a friend registered through their link, once the friend confirmed their "
    "address (a free registration: that is also the friend joining, so one email).",
    subject="Through your link: {{ friend_name }} joined {{ program_title }}",
    body="Hi {{ first_name }},\n\nThrough your special link, {{ friend_name }} just joined {{ program_title }}. "
    "Thank you for passing it on.\n\n{{ thank_you }}\n\nSee your friends and your link: {{ hub_url }}",
)
FRIEND_CONVERTED_EMAIL = EmailKind(
    name="friend_converted",
    category=Category.TRANSACTIONAL,
    description="Tells the graduate a friend joined at the creator's checkout (a purchase credited to their link).",
    subject="Through your link: {{ friend_name }} joined {{ program_title }}",
    body="Hi {{ first_name }},\n\nThrough your special link, {{ friend_name }} has joined {{ program_title }}. "
    "Thank you for passing it on.\n\n{{ thank_you_line }}\n\nSee your friends and your link: {{ hub_url }}",
)
REWARD_RELEASED_EMAIL = EmailKind(
    name="reward_released",
    category=Category.TRANSACTIONAL,
    description="Tells the graduate their thank-you is ready, what their friend's joining did for the mission, "
    "and (only when the ask's rules and their contact budget allow) invites them once more.",
    subject="Your thank-you for bringing {{ friend_name }} is ready",
    body="Hi {{ first_name }},\n\nBecause {{ friend_name }} joined through your link, your thank-you is "
    "ready: {{ reward_line }}\n\n{{ reward_link }}\n\nIt did something for the mission too. We are out to "
    "{{ mission_statement }}: {{ mission_progress }}\n\nThank you for being part of it.",
)
# Added under the released email's body only when loops.invite_allowed says so: once per thank-you.
INVITE_AGAIN = (
    "\n\nIf someone else comes to mind who is facing what you faced, your link still works for them, "
    "with the same special access:\n\n{{ special_link }}\n\nOnly if it feels right; we will not ask again "
    "about this thank-you."
)
REWARD_SHIPPED_EMAIL = EmailKind(
    name="reward_shipped",
    category=Category.TRANSACTIONAL,
    description="Tells the graduate their thank-you gift was shipped, with the team's tracking note.",
    subject="Your thank-you gift is on its way",
    body="Hi {{ first_name }},\n\nThe gift we promised you for bringing {{ friend_name }} to {{ program_title }} "
    "is on its way to the address you gave us.\n\nTracking: {{ tracking_note }}\n\nYour page: {{ hub_url }}",
)
REWARD_REVOKED_EMAIL = EmailKind(
    name="reward_revoked",
    category=Category.TRANSACTIONAL,
    description="Tells the graduate, in plain words, what a friend's refund took back of their thank-you and "
    "what it did not.",
    subject="About your thank-you for {{ program_title }}",
    body="Hi {{ first_name }},\n\n{{ explanation }}\n\nYour link works as before, and your page shows where "
    "your thank-yous stand: {{ hub_url }}",
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
# To the program's team (who may publish its page), not to a student: an outbound webhook endpoint
# was paused after a day of failures, or disabled by a 410. Its events wait; nothing is lost.
WEBHOOK_PAUSED_EMAIL = EmailKind(
    name="webhook_endpoint_paused",
    category=Category.TRANSACTIONAL,
    description="Tells the program's team that a webhook endpoint was paused (a day of failures, or 410 Gone).",
    subject="Webhooks to {{ endpoint_url }} are paused",
    body="Hello,\n\nWe stopped sending {{ program_title }}'s webhook events to {{ endpoint_url }}: "
    "{{ reason }}.\n\n{{ pending_count }} events are waiting for it and will be sent when you resume the "
    "endpoint, once it answers again:\n\n{{ endpoint_admin_url }}\n\nEvery attempt and its answer are in the "
    "delivery log there.",
)

# Registered in the app's AppConfig.ready().
KINDS = (
    ASK_EMAIL,
    REMINDER_EMAIL,
    FRIEND_JOINED_EMAIL,
    FRIEND_CONVERTED_EMAIL,
    REWARD_RELEASED_EMAIL,
    REWARD_SHIPPED_EMAIL,
    REWARD_REVOKED_EMAIL,
    FRIEND_CONFIRM_EMAIL,
    FRIEND_WELCOME_EMAIL,
    PROGRAM_CONFIRM_EMAIL,
    WAITLIST_CONFIRM_EMAIL,
    PROGRAM_WELCOME_EMAIL,
    WAITLIST_OPEN_EMAIL,
    WEBHOOK_PAUSED_EMAIL,
)
