"""Share buttons that open the student's own apps (mail, WhatsApp, LinkedIn, X) with their words."""

from urllib.parse import quote


def share_links(text: str, subject: str) -> dict[str, str]:
    """Buttons that open the student's own apps with their words; no referral link, no offer."""
    body = quote(text)
    return {
        "email": f"mailto:?subject={quote(subject)}&body={body}",
        "whatsapp": f"https://wa.me/?text={body}",
        "linkedin": f"https://www.linkedin.com/feed/?shareActive=true&text={body}",
        "x": f"https://x.com/intent/post?text={body}",
    }
