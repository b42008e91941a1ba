"""The offline grammar's extractors: each finds one kind of phrase, records it and blanks it out."""

from __future__ import annotations

import re
from datetime import datetime

from agent.analytics.grammar_vocab import (
    BEHAVIOUR_PHRASES,
    LIFECYCLE,
    STAGES,
    STOPWORDS,
    TIERS,
    Vocabulary,
    alternation,
    countries,
)
from agent.analytics.periods import ALL_TIME, find_period


class Ambiguous(ValueError):
    """The question names two values where one is allowed (e.g. two industries)."""


class Text:
    """A normalized question whose recognized phrases are blanked as they are taken."""

    def __init__(self, question: str):
        value = question.lower().replace("’", "'").replace("→", " to ").replace("->", " to ")
        value = re.sub(r"'s\b", "", value.replace("&", " and "))
        value = re.sub(r"[?!,;:()\"]|(?<!\w)'|'(?!\w)", " ", value)
        value = re.sub(r"\.(?=\s|$)", " ", value)
        self.value = " ".join(value.split())

    def take(self, pattern: str | re.Pattern) -> re.Match | None:
        """Find the first match, blank it out, and return it."""
        match = re.search(pattern, self.value)
        if match:
            start, end = match.span()
            self.value = self.value[:start] + " " * (end - start) + self.value[end:]
        return match

    def has(self, pattern: str) -> bool:
        """True when the pattern occurs in what is left."""
        return re.search(pattern, self.value) is not None

    def rest(self) -> str:
        """What is left, spaces collapsed."""
        return " ".join(self.value.split())

    def leftovers(self) -> list[str]:
        """Words left that the grammar did not understand (filler words excluded)."""
        words = re.findall(r"[a-z0-9@.+_'-]+", self.value)
        return [w for w in words if w.strip(".'-") and w.strip(".'-") not in STOPWORDS]


PREVIOUS_WORDS = re.compile(
    r"^(?:the )?(?:(?:previous|prior|preceding|last) )?(?:(?:period|one|time|week|month|quarter|"
    r"year) )?(?:before|prior)?$|^(?:the )?(?:previous|prior|preceding) (?:period|one)$"
)


def take_comparison(text: Text) -> str | None:
    """ "compared with last month" -> "last month"; "vs the period before" -> "previous"."""
    if text.take(
        r"\b(?:month|week|quarter|year) over (?:month|week|quarter|year)\b|\b[mwqy]o[mwqy]\b"
    ):
        return "previous"
    match = text.take(
        r"\b(?:(?:as )?compared (?:with|to)|vs\.?|versus|against|relative to|than)\b(?P<rest>.*)$"
    )
    if not match and text.take(r"\bcompare\b"):  # "compare MQLs this month to last month"
        match = text.take(r"\b(?:to|with|and)\b(?P<rest>.*)$")
    if not match:
        return None
    rest = " ".join(match["rest"].split())
    if PREVIOUS_WORDS.match(rest):
        return "previous"
    return rest


def take_period(text: Text, now: datetime) -> str | None:
    """The first time-range phrase, as typed (ALL_TIME for "all time")."""
    period, span = find_period(text.value, now)
    if period is None or span is None:
        return None
    phrase = text.value[span[0] : span[1]]
    text.value = text.value[: span[0]] + " " * (span[1] - span[0]) + text.value[span[1] :]
    return ALL_TIME if period == ALL_TIME else phrase.strip()


_EMAIL_NOUN = r"(?:e-?mails?|campaigns?|newsletters?|mailings?|mails?|blasts?|sends?)"


def take_campaign(text: Text) -> str | None:
    """ "after the pricing email" -> "pricing"; "of the newsletter" -> "newsletter"."""
    pattern = (
        r"\b(?:(?:after|of|for|from|in|on|about|to|since)\s+)?(?:the|our|my|a|an|that|this)\s+"
        rf"(?P<words>(?:[a-z0-9][\w-]*\s+){{0,4}})(?P<noun>{_EMAIL_NOUN})\b"
        r"|\b(?:after|of|for|from|since)\s+(?P<bare>(?:[a-z0-9][\w-]*\s+){1,4})"
        rf"(?P<noun2>{_EMAIL_NOUN})\b"
    )
    for match in re.finditer(pattern, text.value):
        words = (match["words"] or match["bare"] or "").split()
        while words and words[0] in STOPWORDS:
            words.pop(0)
        noun = match["noun"] or match["noun2"]
        if not words and noun.startswith("newsletter"):
            words = ["newsletter"]
        if words:
            start, end = match.span()
            text.value = text.value[:start] + " " * (end - start) + text.value[end:]
            return " ".join(words)
    return None


def take_behaviours(text: Text) -> list[str]:
    """ "who requested a demo" -> ["requested_demo"]."""
    found = []
    for pattern, code in BEHAVIOUR_PHRASES.items():
        if text.take(rf"\b(?:(?:who|that|which) (?:have |has |had )?)?(?:{pattern})\b"):
            found.append(code)
    return found


def take_lead_ref(text: Text) -> str | None:
    """An email address or "lead 42" / "#42"."""
    match = text.take(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
    if match:
        return match[0]
    match = text.take(r"\blead (?:#|id |number )?(\d+)\b|#(\d+)\b")
    return (match[1] or match[2]) if match else None


def _one(text: Text, pattern: str, mapping: dict[str, str], what: str) -> str | None:
    """Take every occurrence of a phrase group; more than one distinct value is ambiguous."""
    values = set()
    while match := text.take(pattern):
        values.add(_lookup(mapping, match["v"]))
    if len(values) > 1:
        raise Ambiguous(f"one {what} at a time, please (got {', '.join(sorted(values))})")
    return values.pop() if values else None


def _keyed(mapping: dict[str, str]) -> dict[str, str]:
    """The mapping with every key also in its spaced form ("e-book" -> also "e book")."""
    return {**mapping, **{k.replace("-", " "): v for k, v in mapping.items()}}


def _lookup(keyed: dict[str, str], matched: str) -> str:
    """The code for a matched phrase, whether typed with spaces or hyphens."""
    return keyed.get(matched) or keyed[matched.replace("-", " ")]


def take_segment(text: Text, vocab: Vocabulary) -> str | None:
    """ "in the high intent segment" / "segment high_intent" -> "high_intent"."""
    if not vocab.segments:
        return None
    names = {name.replace("_", " "): name for name in vocab.segments}
    names.update({name: name for name in vocab.segments})
    alts = alternation(names)
    pattern = rf"\bsegment (?:called |named )?(?P<v>{alts})\b|\b(?P<w>{alts}) segment\b"
    match = text.take(pattern)
    if not match:
        return None
    key = (match["v"] or match["w"]).replace("-", " ")
    return names.get(key) or names[key.replace(" ", "_")]


def take_filters(text: Text, vocab: Vocabulary) -> dict:
    """Attribute filters: segment, industry, persona, tier, stage, CRM stage, country, source..."""
    found: dict = {}
    if segment := take_segment(text, vocab):
        found["segment"] = segment
    groups = (
        ("industry", vocab.industries, ""),
        ("persona", vocab.personas, ""),
        ("lifecycle_stage", LIFECYCLE, ""),
        ("tier", TIERS, r"(?: tier)?"),
        ("stage", STAGES, r"(?:[ -]stage)?"),
    )
    for name, mapping, suffix in groups:
        keyed = _keyed(mapping)
        if value := _one(text, rf"\b(?P<v>{alternation(keyed)}){suffix}\b", keyed, name):
            found[name] = value
    names = countries()
    match = text.take(rf"\b(?:in|from|based in|located in) (?P<v>{alternation(names)})\b")
    if match:
        found["country"] = _lookup(names, match["v"])
    if vocab.product_interests:
        keyed = _keyed(vocab.product_interests)
        alts = alternation(keyed)
        match = text.take(
            rf"\binterested in (?:the )?(?P<v>{alts})(?: product| line)?\b"
            rf"|\b(?P<w>{alts}) (?:interest|product line)\b"
        )
        if match:
            found["product_interest"] = _lookup(keyed, match["v"] or match["w"])
    if source := _sources(text, _keyed(vocab.sources)):
        found["source"] = source
    return found


def _sources(text: Text, keyed: dict[str, str]) -> str | None:
    """Sources need context ("webinar leads", "from ads", "source organic"): common words."""
    alts, values = alternation(keyed), set()
    patterns = (
        rf"\b(?:came |come )?(?:from|via|through|source(?: is| =)?)\s+(?:the |a |an )?"
        rf"(?P<v>{alts})\b",
        rf"\b(?P<v>{alts})(?=\s+(?:leads?|sign-?ups|contacts|channel|source)\b)",
        rf"\b(?P<v>{alts})-sourced\b",
    )
    for pattern in patterns:
        while match := text.take(pattern):
            values.add(_lookup(keyed, match["v"]))
    if len(values) > 1:
        raise Ambiguous(f"one source at a time, please (got {', '.join(sorted(values))})")
    return values.pop() if values else None
