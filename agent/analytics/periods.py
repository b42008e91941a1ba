"""Time-range phrases ("this month", "last 7 days", "in October", "Q3") resolved to UTC periods.

Calendar phrases give whole units (weeks start on Monday); "last N days/weeks/months" and "the past
week" are rolling windows ending now. A month name without a year is the latest such month that has
started. "all time" / "ever" means no period.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from dateutil.relativedelta import relativedelta

from tools.metrics import Period, PeriodUnit

MONTHS = {
    name: i + 1
    for i, name in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ]
    )
}
MONTHS.update({name[:3]: n for name, n in MONTHS.items() if name != "may"})
MONTHS["sept"] = 9
ALL_TIME = "all time"
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_UNITS = {"day": "days", "week": "weeks", "month": "months"}


class PeriodError(ValueError):
    """A time-range phrase that is not in the grammar."""


def _s(count: str) -> str:
    return "" if count == "1" else "s"


def _midnight(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _calendar(now: datetime, unit: PeriodUnit, back: int, label: str) -> Period:
    """The calendar unit containing now, or `back` units before it."""
    today = _midnight(now)
    if unit == "day":
        start, step = today, relativedelta(days=1)
    elif unit == "week":
        start, step = today - timedelta(days=today.weekday()), relativedelta(weeks=1)
    elif unit == "month":
        start, step = today.replace(day=1), relativedelta(months=1)
    elif unit == "quarter":
        start = today.replace(day=1, month=(today.month - 1) // 3 * 3 + 1)
        step = relativedelta(months=3)
    else:
        start, step = today.replace(day=1, month=1), relativedelta(years=1)
    start = start - step * back
    return Period(start=start, end=start + step, unit=unit, label=label)


def _rolling(now: datetime, amount: int, unit: str, label: str) -> Period:
    start = now - relativedelta(**{_UNITS[unit]: amount})
    return Period(start=start, end=now, unit="rolling", label=label)


def _month(now: datetime, month: int, year: str | None, label: str) -> Period:
    today = now.astimezone(UTC)
    y = int(year) if year else (today.year if month <= today.month else today.year - 1)
    start = datetime(y, month, 1, tzinfo=UTC)
    return Period(start=start, end=start + relativedelta(months=1), unit="month", label=label)


def _quarter(now: datetime, q: int, year: str | None, label: str) -> Period:
    today = now.astimezone(UTC)
    current = (today.month - 1) // 3 + 1
    y = int(year) if year else (today.year if q <= current else today.year - 1)
    start = datetime(y, 3 * (q - 1) + 1, 1, tzinfo=UTC)
    return Period(start=start, end=start + relativedelta(months=3), unit="quarter", label=label)


def _dates(first: str, last: str, label: str) -> Period:
    start = datetime.combine(date.fromisoformat(first), datetime.min.time(), UTC)
    end = datetime.combine(date.fromisoformat(last), datetime.min.time(), UTC) + timedelta(days=1)
    if end <= start:
        raise PeriodError(f"{label!r} ends before it starts")
    return Period(start=start, end=end, unit="rolling", label=label)


_THIS = r"(?:this|the current|current)"
_LAST = r"(?:last|previous|prior|the previous|the prior)"
Builder = Callable[[re.Match, datetime], Period | str]
# Order matters: longer, more specific phrases first.
RULES: list[tuple[re.Pattern, Builder]] = [
    (re.compile(r"\b(?:all[ -]time|ever|since the beginning)\b"), lambda m, n: ALL_TIME),
    (
        re.compile(r"\b(\d{4}-\d{2}-\d{2}) ?(?:\.\.|to|until|through|-|–) ?(\d{4}-\d{2}-\d{2})\b"),
        lambda m, n: _dates(m[1], m[2], f"from {m[1]} to {m[2]}"),
    ),
    (
        re.compile(
            r"\b(?:in |over |during |for )?(?:the )?(?:last|past|previous) (\d+) "
            r"(day|week|month)s?\b"
        ),
        lambda m, n: _rolling(n, int(m[1]), m[2], f"in the last {m[1]} {m[2]}{_s(m[1])}"),
    ),
    (
        re.compile(r"\b(?:(?:in|over|during) the (?:last|past)|the past|past) (day|week|month)\b"),
        lambda m, n: _rolling(n, 1, m[1], f"in the past {m[1]}"),
    ),
    (re.compile(r"\btoday\b"), lambda m, n: _calendar(n, "day", 0, "today")),
    (re.compile(r"\byesterday\b"), lambda m, n: _calendar(n, "day", 1, "yesterday")),
    (
        re.compile(
            rf"\b(?:{_THIS}|{_LAST}) (week|month|quarter|year)\b|\b(?:[wmqy]td)\b"
            r"|\b(?:week|month|quarter|year) to date\b"
        ),
        lambda m, n: _named_unit(m[0], n),
    ),
    (
        re.compile(r"\bq([1-4])(?: (\d{4}))?\b"),
        lambda m, n: _quarter(n, int(m[1]), m[2], f"in {m[0].upper()}"),
    ),
    (
        re.compile(rf"\b(?:(?:in|during|for|of) )?({_MONTH})(?: (\d{{4}}))?\b"),
        lambda m, n: _month_phrase(m, n),
    ),
    (
        re.compile(r"\b(?:in|during|for) (\d{4})\b"),
        lambda m, n: _calendar(n, "year", n.astimezone(UTC).year - int(m[1]), f"in {m[1]}"),
    ),
]


def _named_unit(phrase: str, now: datetime) -> Period:
    words = phrase.split()
    if phrase.endswith("td") and len(words) == 1:
        unit = {"w": "week", "m": "month", "q": "quarter", "y": "year"}[phrase[0]]
        return _calendar(now, unit, 0, f"this {unit}")
    unit = words[0] if words[-1] == "date" else words[-1]
    back = 0 if words[-1] == "date" or words[0] in ("this", "current") or "current" in words else 1
    return _calendar(now, unit, back, f"{'this' if back == 0 else 'last'} {unit}")


def _month_phrase(match: re.Match, now: datetime) -> Period:
    name, year = match[1], match[2]
    # "may" alone is a verb far more often than a month: only "in May" or "May 2026" count.
    if name == "may" and not year and not match[0].startswith(("in ", "during ", "for ", "of ")):
        raise PeriodError("may")
    label = f"in {name.capitalize()} {year}" if year else f"in {name.capitalize()}"
    return _month(now, MONTHS[name], year, label)


def find_period(text: str, now: datetime) -> tuple[Period | str | None, tuple[int, int] | None]:
    """The first time-range phrase in `text`: (period or ALL_TIME, its span), or (None, None)."""
    best: tuple[int, Period | str, tuple[int, int]] | None = None
    for pattern, builder in RULES:
        for match in pattern.finditer(text):
            try:
                period = builder(match, now)
            except PeriodError:
                continue
            if best is None or match.start() < best[0]:
                best = (match.start(), period, match.span())
            break
    return (best[1], best[2]) if best else (None, None)


def parse_period(phrase: str | None, now: datetime, default: Period | None = None) -> Period | None:
    """Resolve a whole phrase (a tool argument) to a Period; None or ALL_TIME mean no period."""
    if phrase is None or not phrase.strip():
        return default
    text = " ".join(phrase.lower().replace(",", " ").split())
    period, span = find_period(text, now)
    if period is None or span is None:
        raise PeriodError(f"I do not know the time range {phrase!r}")
    leftover = (text[: span[0]] + text[span[1] :]).strip(" .")
    if leftover and leftover not in ("the", "in", "during", "for", "over"):
        raise PeriodError(f"I do not know the time range {phrase!r}")
    return None if period == ALL_TIME else period
