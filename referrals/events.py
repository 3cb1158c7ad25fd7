"""The journey events the harvest half records (registered in ReferralsConfig.ready())."""

from enum import StrEnum


class ReferralEvent(StrEnum):
    ASKED = "referral_asked"
    ASK_SKIPPED = "referral_ask_skipped"
    FRIEND_REGISTERED = "friend_registered"
    # A friend's conversion became eligible for the graduate's thank-you (refund window passed, or staff).
    CONVERSION_APPROVED = "conversion_approved"
    CONVERSION_DENIED = "conversion_denied"
