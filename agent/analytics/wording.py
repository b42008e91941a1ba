"""How numbers read in answers: percentages, counts, hours, period-over-period changes."""

from __future__ import annotations

from tools.metrics import Period


def pct(rate: float | None) -> str:
    """0.1234 -> "12.3%"; None -> "n/a"."""
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


def plural(n: float | None, noun: str) -> str:
    """3 -> "3 leads", 1 -> "1 lead"."""
    if n is None:
        return f"no {noun}s"
    count = int(n) if float(n).is_integer() else n
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def cap(text: str) -> str:
    """First letter upper-case, the rest untouched ("in October" -> "In October")."""
    return text[:1].upper() + text[1:]


def count_of(n: float | None, who: str) -> str:
    """ "81 fintech leads" (or "1 fintech lead")."""
    count = int(n or 0)
    return f"{count} {who[:-1]}" if count == 1 and who.endswith("leads") else f"{count} {who}"


def hours_text(value: float | None) -> str:
    """Hours as "5.5 hours" or "3.2 days" past 48 hours."""
    if value is None:
        return "n/a"
    return f"{value / 24:.1f} days" if value >= 48 else f"{value:.1f} hours"


def when(period: Period | None) -> str:
    """ "this month (2026-11-01 to 2026-11-30)", or "overall" with no period."""
    return period.describe() if period else "overall"


def change(current: float | None, previous: float | None, *, rate: bool = False) -> str:
    """ "up 7 (+46.7%)", "down 2.5 points", "unchanged", or "" when it cannot be computed."""
    if current is None or previous is None:
        return ""
    delta = current - previous
    if abs(delta) < 1e-12:
        return "unchanged"
    direction = "up" if delta > 0 else "down"
    if rate:
        return f"{direction} {abs(delta) * 100:.1f} points"
    size = int(abs(delta)) if float(delta).is_integer() else round(abs(delta), 2)
    relative = f" ({delta / previous * 100:+.1f}%)" if previous else ""
    return f"{direction} {size}{relative}"


def small_sample(n: float | None, what: str) -> str | None:
    """A caution when a rate rests on fewer than 30 items."""
    if n is not None and 0 < n < 30:
        return f"Small sample: {plural(n, what)}, so treat the rate as directional."
    return None
