"""The journey events the harvest half records (registered in ReferralsConfig.ready())."""

from enum import StrEnum


class ReferralEvent(StrEnum):
    ASKED = "referral_asked"
    ASK_SKIPPED = "referral_ask_skipped"
    FRIEND_REGISTERED = "friend_registered"
