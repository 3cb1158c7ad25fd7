"""The event types our outbound webhooks send, in one place: the admin's subscription choices, the
emitters and the README all read this list."""

LEAD_CREATED = "lead.created"
LEAD_CONFIRMED = "lead.confirmed"
CONVERSION_ATTRIBUTED = "conversion.attributed"
REWARD_RELEASED = "reward.released"
REWARD_REVOKED = "reward.revoked"
FEEDBACK_UNHAPPY = "feedback.unhappy"
TESTIMONIAL_APPROVED = "testimonial.approved"
# Sent only by the admin's "Send a test event" button, to one endpoint, whatever it subscribes to.
TEST = "webhook.test"

EVENT_TYPES: dict[str, str] = {
    LEAD_CREATED: "A friend or visitor registered (not yet confirmed)",
    LEAD_CONFIRMED: "A registration was confirmed by the owner of the address",
    CONVERSION_ATTRIBUTED: "A purchase or enrollment was credited to a graduate's link",
    REWARD_RELEASED: "A graduate's thank-you was released",
    REWARD_REVOKED: "A graduate's thank-you was taken back",
    FEEDBACK_UNHAPPY: "A student's feedback was routed to support",
    TESTIMONIAL_APPROVED: "A testimonial was approved for publication",
}


def choices() -> list[tuple[str, str]]:
    return [(name, f"{name}: {label}") for name, label in EVENT_TYPES.items()]
