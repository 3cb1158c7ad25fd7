"""One way to write a figure wherever the creator reads one (the dashboard, the mission sentence): whole
numbers with thousands separators, anything else to one decimal without a trailing ".0" — "1,234",
"12.5", "100" — rather than "1234" beside "1,234" and "100.0%" beside "12%"."""

from decimal import Decimal


def figure(value) -> str:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return "" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    rounded = round(float(value), 1)
    return f"{rounded:,.0f}" if rounded.is_integer() else f"{rounded:,.1f}"
