"""Address rules: which addresses reach the same inbox (plus-addressing everywhere, dots at Gmail).

Self-referral, "already a student" and "one lead per inbox" are judged by the inbox, not the address.
"""

# One inbox, many addresses: plus-addressing everywhere, and dots at Gmail. Self-referral and
# "already a student" are judged by the inbox, so maria+friend@… earns Maria no thank-you.
_DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox(email: str) -> str:
    """The inbox an address reaches: "Maria.L+x@googlemail.com" → "marial@gmail.com"."""
    local, _, domain = (email or "").strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), _DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


def fill_inboxes(model) -> None:
    """Write ``inbox`` for every row of ``model`` (a migration's historical model with ``email`` and
    ``inbox``), 2,000 rows at a time: the migrations that added the column."""
    batch = []
    for row in model.objects.only("pk", "email").iterator(chunk_size=2000):
        row.inbox = mailbox(row.email)
        batch.append(row)
        if len(batch) >= 2000:
            model.objects.bulk_update(batch, ["inbox"])
            batch = []
    model.objects.bulk_update(batch, ["inbox"])
