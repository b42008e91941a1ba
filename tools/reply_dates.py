"""Resolve follow-up and return dates written in a reply against the date it was received.

Every expression resolves to one calendar date (``ref`` is the received date):

- ISO ``2026-12-03`` -> that date. Numeric ``3.12.2026`` / ``03/12/2026`` / ``3.12.`` read
  day-first, unless the second number is over 12 (then month-first); a missing year means the
  next such date on or after ``ref``.
- ``3 December`` / ``December 3rd`` / ``3. Dezember`` / ``10 de enero`` / ``5 janvier`` (en, de, es,
  fr, nl, pt month names) -> that day, this year if on or after ``ref`` else next year; an
  explicit year is kept. ``the 14th`` -> the next 14th on or after ``ref``.
- ``March 2027`` -> the 1st of that month. ``in January`` / ``im Januar`` / ``en septiembre`` ->
  the 1st of the next such month strictly after ``ref``'s month. ``early`` / ``mid`` / ``end of``
  (and ``Anfang`` / ``Mitte`` / ``Ende``, ``principios`` / ``mediados`` / ``finales``, ``début`` /
  ``mi-`` / ``fin``, ``begin`` / ``half`` / ``eind``, ``início`` / ``meados`` / ``final``) a month
  -> its 1st / 15th / last day.
- A weekday (``Monday``, ``back Tuesday``, ``next Friday``, ``Montag``, ``lunes``, ``lundi``,
  ``maandag``, ``segunda``) -> the next such weekday strictly after ``ref``. A weekday written
  right before an explicit date defers to the date.
- ``tomorrow`` -> ``ref`` + 1 day. ``next week`` -> Monday of next week. ``next month`` -> the
  1st of next month. ``next quarter`` -> the first day of next quarter. ``next year`` /
  ``in 2027`` -> 1 January of that year.
- ``in 3 months`` / ``in two weeks`` / ``in a couple of weeks`` (2) / ``a few weeks`` (3) /
  ``in 10 days`` (and ``in 3 Monaten``, ``dentro de dos semanas``, ``dans six mois``,
  ``over een maand``, ``daqui a 3 meses``) -> ``ref`` plus that period (calendar months).
- ``Q1``..``Q4`` (optionally with a year) / ``first quarter`` -> the first day of that quarter;
  without a year, the next such quarter whose first day is after ``ref``. ``H1`` / ``H2`` ->
  1 January / 1 July likewise.
- ``end of month`` -> the last day of ``ref``'s month; ``end of quarter`` -> the last day of
  ``ref``'s quarter; ``end of year`` -> 31 December.
- ``after the new year`` / ``in the new year`` / ``after the holidays`` (and translations) ->
  the next 2 January after ``ref`` (the first working day of the year for most readers).
- ``after the summer`` -> 1 September; ``in the spring`` / ``summer`` / ``autumn`` / ``winter``
  -> the next 1 March / 1 June / 1 September / 1 December after ``ref``.

When several dates appear, a date introduced by a return cue (``back``, ``return``, ``zurück``,
``wieder``, ``de retour``, ``terug``, ``retorno``...) wins, then one introduced by an until cue
(``until``, ``through``, ``bis``, ``hasta``, ``jusqu'au``, ``tot``, ``até``), then any; within the
winning group the latest date is taken.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from dateutil.parser import isoparse
from dateutil.relativedelta import relativedelta

from tools.reply_dates_vocab import (
    MONTH_RX,
    MONTHS,
    NUMBER_RX,
    NUMBERS,
    PERIOD_UNITS,
    UNIT_RX,
    WEEKDAY_RX,
    WEEKDAYS,
)

_I = re.IGNORECASE
_RETURN_BEFORE = re.compile(
    r"(?:\bback\b|\breturn|zurück|wieder|retour|regres|vuelta|volver|terug|\bweer\b|retorno"
    r"|\bvolta|retorn|reachable|erreichbar|available\s+again|in\s+the\s+office)[^.!?\n]{0,25}$",
    _I,
)
_RETURN_AFTER = re.compile(r"^[^.!?\n]{0,20}(?:wieder|zurück|terug|\bweer\b)", _I)
_UNTIL_BEFORE = re.compile(
    r"(?:until|\btill\b|\btil\b|through|\bthru\b|\bbis\b|hasta|jusqu|\btot\b|\baté\b)"
    r"[^.!?\n]{0,20}$",
    _I,
)


def _next_on_or_after(ref: date, month: int, day: int) -> date | None:
    for year in (ref.year, ref.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= ref:
            return candidate
    return None


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year(text: str | None) -> int | None:
    if not text:
        return None
    value = int(text)
    return value + 2000 if value < 100 else value


def _month_start_after(ref: date, month: int, year: int | None, day: int = 1) -> date:
    if year is None:
        year = ref.year if month > ref.month else ref.year + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day, last))


def _quarter_start(ref: date, quarter: int, year: int | None) -> date:
    start = date(year or ref.year, 3 * quarter - 2, 1)
    if year is None and start <= ref:
        start = date(ref.year + 1, start.month, 1)
    return start


def _next_weekday(ref: date, weekday: int) -> date:
    return ref + timedelta(days=(weekday - ref.weekday() - 1) % 7 + 1)


def _next_month_day(ref: date, month: int, day: int) -> date:
    candidate = date(ref.year, month, day)
    return candidate if candidate > ref else date(ref.year + 1, month, day)


_MOD = {
    "early": 1,
    "beginning of": 1,
    "start of": 1,
    "anfang": 1,
    "principios de": 1,
    "inicios de": 1,
    "début": 1,
    "debut": 1,
    "begin": 1,
    "início de": 1,
    "inicio de": 1,
    "mid": 15,
    "mid-": 15,
    "middle of": 15,
    "mitte": 15,
    "mediados de": 15,
    "mi-": 15,
    "half": 15,
    "meados de": 15,
    "end of": 31,
    "late": 31,
    "the end of": 31,
    "ende": 31,
    "finales de": 31,
    "fin de": 31,
    "fin": 31,
    "eind": 31,
    "final de": 31,
    "fim de": 31,
}
_MOD_RX = "|".join(sorted((re.escape(k) for k in _MOD), key=len, reverse=True))

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")),
    ("numeric", re.compile(r"(?<![\d.:/])(\d{1,2})([./])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?![\d:])")),
    (
        "mod_month",
        re.compile(rf"\b({_MOD_RX})\s*(?:of\s+)?(?:de\s+)?({MONTH_RX})\b(?:\s+(\d{{4}}))?", _I),
    ),
    (
        "day_month",
        re.compile(
            rf"\b(\d{{1,2}})(?:st|nd|rd|th|er|º|°)?\.?\s*(?:de\s+|of\s+|-)?({MONTH_RX})\b\.?"
            rf"(?:,?\s*(?:de\s+)?(\d{{4}}))?",
            _I,
        ),
    ),
    (
        "month_day",
        re.compile(
            rf"\b({MONTH_RX})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)(?:,?\s+(\d{{4}}))?", _I
        ),
    ),
    ("month_year", re.compile(rf"\b({MONTH_RX})\s+(\d{{4}})\b", _I)),
    (
        "bare_month",
        re.compile(
            rf"\b(?:in|im|en|em|no|na|until|till|after|from|by|before|ab|bis|nach|hasta|desde"
            rf"|jusqu'en|après|tot|vanaf|até|depois\s+de|a\s+partir\s+de|après)\s+(?:the\s+month\s+of"
            rf"\s+)?({MONTH_RX})\b",
            _I,
        ),
    ),
    ("ordinal_day", re.compile(r"\bthe\s+(\d{1,2})(?:st|nd|rd|th)\b", _I)),
    ("weekday", re.compile(rf"\b({WEEKDAY_RX})\b", _I)),
    (
        "relative",
        re.compile(
            rf"\b(?:in|within|dentro\s+de|en|dans|over|binnen|em|daqui\s+a|nach)\s+"
            rf"(?:about\s+|around\s+|ca\.\s+)?({NUMBER_RX})\s+({UNIT_RX})\b"
            rf"|\b({NUMBER_RX})\s+({UNIT_RX})\s+from\s+now\b",
            _I,
        ),
    ),
    ("quarter", re.compile(r"\b(?:q([1-4])|h([12]))(?:\s*(?:'|’)?\s*(20\d\d|\d\d))?\b", _I)),
    ("ordinal_quarter", re.compile(r"\b(first|second|third|fourth)\s+quarter\b", _I)),
    ("tomorrow", re.compile(r"\btomorrow\b|\bdemain\b|\bamanhã\b", _I)),
    (
        "next_week",
        re.compile(
            r"next\s+week|nächste[nr]?\s+woche|próxima\s+semana|semaine\s+prochaine"
            r"|volgende\s+week|semana\s+que\s+vem",
            _I,
        ),
    ),
    (
        "next_month",
        re.compile(
            r"next\s+month|nächste[nr]?\s+monat|próximo\s+mes|mes\s+que\s+viene|mois\s+prochain"
            r"|volgende\s+maand|próximo\s+mês|mês\s+que\s+vem",
            _I,
        ),
    ),
    (
        "next_quarter",
        re.compile(
            r"next\s+quarter|nächste[nsr]?\s+quartal|próximo\s+trimestre|trimestre\s+prochain"
            r"|prochain\s+trimestre|volgend\s+kwartaal",
            _I,
        ),
    ),
    (
        "new_year",
        re.compile(
            r"(?:after|in)\s+the\s+new\s+year|after\s+new\s+year|after\s+the\s+(?:holidays|festive)"
            r"|nach\s+(?:neujahr|den\s+feiertagen)|im\s+neuen\s+jahr|después\s+de\s+(?:las\s+fiestas"
            r"|año\s+nuevo)|après\s+les\s+fêtes|après\s+le\s+nouvel\s+an|na\s+de\s+feestdagen"
            r"|na\s+nieuwjaar|depois\s+das\s+festas|depois\s+do\s+ano\s+novo",
            _I,
        ),
    ),
    (
        "next_year",
        re.compile(
            r"next\s+year|nächste[sn]?\s+jahr|año\s+que\s+viene|próximo\s+año|l'année\s+prochaine"
            r"|l'an\s+prochain|volgend\s+jaar|próximo\s+ano|ano\s+que\s+vem"
            r"|\b(?:in|until|im\s+jahr|en|em)\s+(20\d\d)\b",
            _I,
        ),
    ),
    (
        "end_month",
        re.compile(
            r"end\s+of\s+(?:the\s+|this\s+)?month|month[\s-]end|monatsende|ende\s+des\s+monats"
            r"|fin(?:al)?\s+de(?:l)?\s+mes|fin\s+du\s+mois|eind\s+van\s+de\s+maand"
            r"|f(?:im|inal)\s+do\s+mês",
            _I,
        ),
    ),
    (
        "end_quarter",
        re.compile(
            r"end\s+of\s+(?:the\s+|this\s+)?quarter|quarter[\s-]end|ende\s+des\s+quartals"
            r"|fin(?:al)?\s+del\s+trimestre|fin\s+du\s+trimestre|eind\s+van\s+het\s+kwartaal",
            _I,
        ),
    ),
    (
        "end_year",
        re.compile(
            r"end\s+of\s+(?:the\s+|this\s+)?year|year[\s-]end|jahresende|ende\s+des\s+jahres"
            r"|fin(?:al)?\s+de(?:l)?\s+año|fin\s+d(?:e\s+l)?'année|eind\s+van\s+het\s+jaar"
            r"|f(?:im|inal)\s+do\s+ano",
            _I,
        ),
    ),
    (
        "after_summer",
        re.compile(
            r"after\s+the\s+summer|nach\s+dem\s+sommer|después\s+del\s+verano|après\s+l'été"
            r"|na\s+de\s+zomer|depois\s+do\s+verão",
            _I,
        ),
    ),
    (
        "season",
        re.compile(r"\b(?:in\s+the\s+|this\s+|next\s+)(spring|summer|autumn|fall|winter)\b", _I),
    ),
]
_SEASON_MONTH = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
_QUARTER_WORD = {"first": 1, "second": 2, "third": 3, "fourth": 4}


def _resolve(kind: str, m: re.Match[str], ref: date) -> date | None:
    g = m.groups()
    if kind == "iso":
        return isoparse(m.group(0)).date()
    if kind == "numeric":
        first, second, year = int(g[0]), int(g[2]), _year(g[3])
        if g[1] == "." and g[3] is None and m.string[m.end() : m.end() + 1] != ".":
            return None  # "10.30" is a time, "3.12." a date
        day, month = (second, first) if second > 12 else (first, second)
        if not 1 <= month <= 12:
            return None
        return _safe(year, month, day) if year else _next_on_or_after(ref, month, day)
    if kind == "mod_month":
        month, year = MONTHS[g[1].lower().rstrip(".")], _year(g[2])
        return _month_start_after(ref, month, year, _MOD[g[0].lower()])
    if kind == "day_month":
        month, year = MONTHS[g[1].lower().rstrip(".")], _year(g[2])
        return _safe(year, month, int(g[0])) if year else _next_on_or_after(ref, month, int(g[0]))
    if kind == "month_day":
        month, year = MONTHS[g[0].lower().rstrip(".")], _year(g[2])
        return _safe(year, month, int(g[1])) if year else _next_on_or_after(ref, month, int(g[1]))
    if kind in ("month_year", "bare_month"):
        year = _year(g[1] if len(g) > 1 else None)
        return _month_start_after(ref, MONTHS[g[0].lower().rstrip(".")], year)
    if kind == "ordinal_day":
        day = int(g[0])
        for months_ahead in range(3):
            probe = ref + relativedelta(months=months_ahead)
            candidate = _safe(probe.year, probe.month, day)
            if candidate and candidate >= ref:
                return candidate
        return None
    if kind == "weekday":
        return _next_weekday(ref, WEEKDAYS[g[0].lower()])
    if kind == "relative":
        amount, unit = (g[0], g[1]) if g[0] else (g[2], g[3])
        count = NUMBERS.get(amount.lower(), None) if not amount.isdigit() else int(amount)
        if count is None:
            return None
        return ref + relativedelta(**{PERIOD_UNITS[unit.lower()]: count})
    if kind == "quarter":
        if g[0]:
            return _quarter_start(ref, int(g[0]), _year(g[2]))
        return _quarter_start(ref, 1 if g[1] == "1" else 3, _year(g[2]))
    if kind == "ordinal_quarter":
        return _quarter_start(ref, _QUARTER_WORD[g[0].lower()], None)
    if kind == "tomorrow":
        return ref + timedelta(days=1)
    if kind == "next_week":
        return ref + timedelta(days=7 - ref.weekday())
    if kind == "next_month":
        return (ref + relativedelta(months=1)).replace(day=1)
    if kind == "next_quarter":
        start = date(ref.year, 3 * ((ref.month - 1) // 3) + 1, 1)
        return start + relativedelta(months=3)
    if kind == "new_year":
        return date(ref.year, 1, 2) if ref < date(ref.year, 1, 2) else date(ref.year + 1, 1, 2)
    if kind == "next_year":
        year = int(g[0]) if g[0] else ref.year + 1
        return date(year, 1, 1) if year > ref.year else None
    if kind == "end_month":
        return ref.replace(day=calendar.monthrange(ref.year, ref.month)[1])
    if kind == "end_quarter":
        end_month = 3 * ((ref.month - 1) // 3) + 3
        return date(ref.year, end_month, calendar.monthrange(ref.year, end_month)[1])
    if kind == "end_year":
        return date(ref.year, 12, 31)
    if kind == "after_summer":
        return _next_month_day(ref, 9, 1)
    if kind == "season":
        return _next_month_day(ref, _SEASON_MONTH[g[0].lower()], 1)
    return None


def find_dates(text: str, ref: date) -> list[tuple[int, int, date, str]]:
    """Return (start, end, date, cue) for each date expression; cue is return, until or plain."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, int, date, str]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            resolved = _resolve(kind, m, ref)
            if resolved is None:
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), m.end(), resolved, kind))
    found.sort()
    results = []
    for i, (start, end, resolved, kind) in enumerate(found):
        nxt = found[i + 1] if i + 1 < len(found) else None
        if kind == "weekday" and nxt and nxt[0] - end <= 4 and nxt[3] != "weekday":
            continue  # "Monday, 12 January": the explicit date decides
        before, after = text[max(0, start - 40) : start], text[end : end + 30]
        if _RETURN_BEFORE.search(before) or _RETURN_AFTER.search(after):
            cue = "return"
        elif _UNTIL_BEFORE.search(before):
            cue = "until"
        else:
            cue = "plain"
        results.append((start, end, resolved, cue))
    return results


def resolve_follow_up_date(text: str, ref: date) -> date | None:
    """Return the return/follow-up date a reply names, resolved against `ref`, or None."""
    found = find_dates(text, ref)
    for cue in ("return", "until", "plain"):
        dates = [resolved for _, _, resolved, found_cue in found if found_cue == cue]
        if dates:
            return max(dates)
    return None
