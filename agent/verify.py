"""Deterministic checks that a draft is grounded, single-ask, stage-appropriate and well-formed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from agent.draft_schema import Draft, Fact

ErrorCode = Literal[
    "unknown_fact_id", "uncited_claim", "unsupported_claim", "placeholder", "multiple_cta",
    "stage_inappropriate", "subject_too_long", "body_too_long", "empty",
]  # fmt: skip


@dataclass(frozen=True)
class VerificationError:
    """One broken rule: its code, where ("subject", "sentences[2]"...) and a fix-it message."""

    code: ErrorCode
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message} [{self.code}]"


def format_errors(errors: Iterable[VerificationError]) -> str:
    """The errors as a bullet list, ready to send back to the model for one corrective retry."""
    return "\n".join(f"- {error}" for error in errors)


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:['’&.-][A-Za-z0-9]+)*")
_NUMBER = re.compile(r"(?<![A-Za-z0-9])\d+(?:[.,]\d+)*")
_MONEY_OR_PERCENT = re.compile(r"[$€£¥%]|\b(?:usd|eur|gbp|percent)\b", re.IGNORECASE)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december",
)  # fmt: skip
# "May", "March" and "August" are also ordinary words; month names only count when capitalized.
_CALENDAR_WORDS = frozenset(_WEEKDAYS + _MONTHS) - {"may"}
_PRODUCT_CLAIM = re.compile(
    r"\bsoc\s?2\b|\biso\s?27001\b|\bgdpr\b|\bhipaa\b|\bccpa\b|\bcertified\b|\bcomplian(?:t|ce)\b"
    r"|\bintegrat(?:es|ed|ion|ions)\b|\bguarantee[sd]?\b|\buptime\b|\bsla\b|\broi\b|\baward"
    r"|\btrusted by\b|\bused by\b|\bencrypt\w*|#1\b|\bnumber one\b",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"\{\{.*?\}\}|\{[A-Za-z_][\w ]*\}|\$\{\w+\}|\[[A-Z][A-Za-z _]*\]|<[a-z][a-z _]*>"
    r"|(?-i:\b(?:TODO|TBD|FIXME|XXX+)\b)|lorem ipsum",  # the markers only count in capitals
    re.IGNORECASE,
)
_ASK_QUESTION_TOPIC = re.compile(
    r"\b(?:call|chat|meet|meeting|demo|walk-?through|minutes|calendar|slot|time|link|trial"
    r"|session|talk|connect|catch up|open to|interested|worth)\b",
    re.IGNORECASE,
)
_ASK_IMPERATIVE = re.compile(
    r"\b(?:book|schedule|grab|pick)\s+(?:a|some|time|your)\b|\bclick\b|\bregister\b|\bsign up\b"
    r"|\bdownload\b|\b(?:just |hit )?reply\b|\blet me know\b|\bcheck out\b|\btake a look\b"
    r"|\bstart (?:a|your) (?:free )?trial\b|\brequest a demo\b",
    re.IGNORECASE,
)
_SALES_PUSH = re.compile(
    r"\b(?:demo|call|meeting|pricing|prices?|quote|trial|book|schedule|calendar|sales team"
    r"|talk to sales|purchase|buy|contract|discount)\b",
    re.IGNORECASE,
)


def _wordset(words: str) -> frozenset[str]:
    """A frozenset from a whitespace-separated word list."""
    return frozenset(words.split())


# Common sentence openers: a capitalized first word from this list is not taken for a name.
_COMMON_WORDS = _wordset(
    """a about above after again all also although an and another any are as at attached based
    because before below best better big both but by can could curious did do does each easy
    either even every everyone fast faster few fewer finally first following for from getting
    given glad good great had happy has have having he hello her here here's hey hi his hope
    hoping how however i i'd i'll i'm i've if imagine in instead is it it's its just last least
    less let let's like looking making many maybe more most much my new next no not nothing
    noticed now of often on once one only or other others our over perhaps pipeline plus quick
    quickly rather ready really revenue sales saw second seeing sharing she short simple since so
    some someone something sometimes speed still such teams companies buyers leads reps people
    thank thanks that that's the their them then there there's these they this those though
    thought to today together tomorrow too typically under unlike until up us using usually
    wanted we we're we've well were what what's when where whether which while who why will with
    without worth would yes yet you you're you've your yours"""
)
# Generic acronyms a sales email may use without citing anything.
_GENERIC_CAPS = _wordset(
    "ai api b2b b2c ceo cfo cmo coo cto crm faq pdf ps qa saas sdr bdr smb ui ux vp"
)
_POSSESSIVE = re.compile(r"['’]s$")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|[\"“(—–]\s*)$")


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[tuple[str, bool], ...]:
    """(word, starts_a_sentence) pairs, possessive 's removed (cached: facts and template
    sentences recur across drafts)."""
    out = []
    for match in _WORD.finditer(text):
        word = _POSSESSIVE.sub("", match.group())
        out.append((word, _starts_sentence(text, match.start())))
    return tuple(out)


@lru_cache(maxsize=4096)
def _lower_words(text: str) -> frozenset[str]:
    """The lowercased words of `_words(text)`, without the sentence-start test (sets need none)."""
    return frozenset(_POSSESSIVE.sub("", m.group()).lower() for m in _WORD.finditer(text))


def _starts_sentence(text: str, start: int) -> bool:
    """Whether text[:start] ends the way _SENTENCE_START describes.

    A match can only span one punctuation mark and the whitespace before `start` (or be the
    string's very beginning), so the search is bounded to that tail: linear, not quadratic.
    """
    i = start
    while i > 0 and text[i - 1].isspace():
        i -= 1
    return bool(_SENTENCE_START.search(text, max(0, i - 1), start))


# The helpers below are pure functions of their text (and allowlist); drafts reuse the same
# template sentences, and the batch path verifies each draft up to three times, so they are
# cached (tuples, so no caller can change a cached answer).
@lru_cache(maxsize=8192)
def _names(text: str, allowed: frozenset[str]) -> tuple[str, ...]:
    """Capitalized words that read as proper names, minus the allowlist and ordinary openers."""
    names = []
    for word, at_start in _words(text):
        if word.islower():  # no capital anywhere: not a name (the test below, done in C)
            continue
        lower = word.lower()
        is_capital = word[0].isupper() or any(c.isupper() for c in word[1:])
        if not is_capital or lower in allowed or lower in _GENERIC_CAPS or lower in _CALENDAR_WORDS:
            continue
        if lower == "i" or lower.startswith(("i'", "i’")) or (at_start and lower in _COMMON_WORDS):
            continue
        names.append(word)
    return tuple(names)


@lru_cache(maxsize=8192)
def _calendar(text: str) -> tuple[str, ...]:
    """Weekday names (any case) and capitalized month names."""
    found = []
    for word, _ in _words(text):
        lower = word.lower()
        if lower in _WEEKDAYS or (lower in _CALENDAR_WORDS and word[0].isupper()):
            found.append(word)
    return tuple(found)


@lru_cache(maxsize=8192)
def _numbers(text: str) -> tuple[str, ...]:
    """Numbers with thousands separators removed ("1,200" -> "1200")."""
    return tuple(re.sub(r",(?=\d{3}\b)", "", n) for n in _NUMBER.findall(text))


@lru_cache(maxsize=8192)
def _product_claims(text: str) -> tuple[str, ...]:
    """The product claims in the text, as written."""
    return tuple(m.group() for m in _PRODUCT_CLAIM.finditer(text))


@lru_cache(maxsize=8192)
def _mentions(raw: str, claim: str) -> bool:
    """Whether the facts' raw text mentions the claim (any case)."""
    return re.search(re.escape(claim), raw, re.IGNORECASE) is not None


@lru_cache(maxsize=8192)
def _claim_markers(text: str, allowed: frozenset[str]) -> tuple[str, ...]:
    """Everything in a sentence that makes it a factual claim needing a citation."""
    markers = [f"number {n}" for n in _numbers(text)]
    markers += [f"'{m.group()}'" for m in _MONEY_OR_PERCENT.finditer(text)]
    markers += [f"date '{w}'" for w in _calendar(text)]
    markers += [f"name '{w}'" for w in _names(text, allowed)]
    markers += [f"product claim '{claim}'" for claim in _product_claims(text)]
    return tuple(markers)


@lru_cache(maxsize=1024)
def _support(facts: tuple[Fact, ...]) -> tuple[frozenset[str], frozenset[str], str]:
    """What cited facts can back: their numbers, their words (and dates), and their raw text."""
    text = " ".join(f"{fact.text} {fact.source}" for fact in facts)
    numbers = set(_numbers(text))
    words = set(_lower_words(text))
    for fact in facts:
        if fact.occurred_at:
            when = fact.occurred_at
            numbers |= {str(when.year), str(when.month), str(when.day), f"{when.month:02d}"}
            words |= {_MONTHS[when.month - 1], _WEEKDAYS[when.weekday()]}
    return frozenset(numbers), frozenset(words), text


def _unsupported(text: str, facts: list[Fact], allowed: frozenset[str]) -> list[str]:
    """Numbers, names, dates and product claims in `text` that none of `facts` mention."""
    numbers, words, raw = _support(tuple(facts))
    missing = [f"number {n}" for n in _numbers(text) if n not in numbers]
    missing += [f"'{w}'" for w in _names(text, allowed) + _calendar(text) if w.lower() not in words]
    missing += [
        f"product claim '{claim}'" for claim in _product_claims(text) if not _mentions(raw, claim)
    ]
    return missing


def _allowlist(*names: str | None) -> frozenset[str]:
    """Lowercased single words of every allowed name."""
    return frozenset(word for name in names if name for word in _lower_words(name))


def verify_draft(
    draft: Draft,
    retrieved_facts: Mapping[str, Fact],
    *,
    stage: str,
    lead_first_name: str | None = None,
    sender_name: str | None = None,
    product_name: str = "Nurture",
    allowed_names: Iterable[str] = (),
    max_body_chars: int,
    max_subject_chars: int = 60,
) -> list[VerificationError]:
    """Every rule the draft breaks, in a stable order; an empty list means it may go to review.

    Rules (pure, deterministic; "units" are the body sentences plus the call to action):
    - empty: blank subject, no body sentence, a blank sentence, or a blank call to action.
    - subject_too_long / body_too_long: over max_subject_chars / max_body_chars (body = Draft.body).
    - placeholder: {{x}}, {x}, ${x}, [Company], <first name>, TODO, TBD, FIXME, XXX, lorem ipsum.
    - unknown_fact_id: a sentence cites an id that was not retrieved.
    - uncited_claim: a sentence with no citation holds a number, money or percent, a weekday or
      capitalized month, a proper name outside the allowlist (lead first name, sender, product,
      allowed_names, generic acronyms like CRM) or a product claim (SOC 2, integrates, uptime...).
    - unsupported_claim: a cited sentence holds a number, name, date or product claim that none of
      its cited facts contain (dates of dated facts count); the subject may only use numbers and
      dates found in some retrieved fact. The call to action is exempt from citation rules.
    - multiple_cta: more than one unit asks for something (a question about a call, demo, time or
      link, or an imperative like "book a", "click", "reply", "let me know").
    - stage_inappropriate: in an awareness-stage email, the call to action or another ask mentions
      a demo, call, meeting, pricing, trial, booking or purchase.
    Not checked: number words ("twice"), relative dates ("last week"), tone.
    """
    errors: list[VerificationError] = []
    allowed = _allowlist(lead_first_name, sender_name, product_name, *allowed_names)
    subject, cta = draft.subject.strip(), draft.call_to_action.strip()

    def add(code: ErrorCode, location: str, message: str) -> None:
        errors.append(VerificationError(code, location, message))

    if not subject:
        add("empty", "subject", "the subject is empty")
    if not any(s.text.strip() for s in draft.sentences):
        add("empty", "sentences", "the body has no sentences")
    else:
        for index, sentence in enumerate(draft.sentences):
            if not sentence.text.strip():
                add("empty", f"sentences[{index}]", "this sentence is blank")
    if not cta:
        add("empty", "call_to_action", "the call to action is empty")
    if len(subject) > max_subject_chars:
        add("subject_too_long", "subject", f"{len(subject)} characters, limit {max_subject_chars}")
    if len(draft.body) > max_body_chars:
        add("body_too_long", "body", f"{len(draft.body)} characters, limit {max_body_chars}")

    units = [("subject", subject)]
    units += [(f"sentences[{i}]", s.text) for i, s in enumerate(draft.sentences)]
    units.append(("call_to_action", cta))
    for location, text in units:
        for match in _PLACEHOLDER.finditer(text):
            add("placeholder", location, f"placeholder '{match.group()}' left in the text")

    for index, sentence in enumerate(draft.sentences):
        location = f"sentences[{index}]"
        unknown = [fid for fid in sentence.fact_ids if fid not in retrieved_facts]
        for fid in unknown:
            add(
                "unknown_fact_id", location, f"cites '{fid}', which is not among the supplied facts"
            )
        cited = [retrieved_facts[fid] for fid in sentence.fact_ids if fid in retrieved_facts]
        if not sentence.fact_ids:
            markers = _claim_markers(sentence.text, allowed)
            if markers:
                add("uncited_claim", location, f"states {', '.join(markers)} without citing a fact")
        elif cited:
            missing = _unsupported(sentence.text, cited, allowed)
            if missing:
                ids = ", ".join(f.fact_id for f in cited)
                add("unsupported_claim", location, f"{', '.join(missing)} not found in {ids}")

    # Only numbers and dates count in the subject: without any, no fact needs reading.
    subject_missing = [
        m for m in _unsupported(subject, list(retrieved_facts.values()), allowed)
        if m.startswith("number") or m.strip("'").lower() in _CALENDAR_WORDS
    ] if _numbers(subject) or _calendar(subject) else []  # fmt: skip
    if subject_missing:
        add(
            "unsupported_claim",
            "subject",
            f"{', '.join(subject_missing)} not in any retrieved fact",
        )

    body_units = units[1:]
    asks = [loc for loc, text in body_units if _is_ask(text)]
    if len(asks) > 1:
        add(
            "multiple_cta",
            ", ".join(asks),
            f"{len(asks)} asks; keep exactly one, in call_to_action",
        )
    if stage == "awareness":
        for location, text in body_units:
            push = _sales_push(text)
            # Mentioning what the lead looked at ("your pricing page visit") is fine; asking is not.
            if push and (location == "call_to_action" or _is_ask(text)):
                add(
                    "stage_inappropriate",
                    location,
                    f"'{push}' pushes sales on an awareness-stage lead",
                )
    return errors


@lru_cache(maxsize=8192)
def _sales_push(text: str) -> str | None:
    """The first sales-push word in the text, if any."""
    push = _SALES_PUSH.search(text)
    return push.group() if push else None


@lru_cache(maxsize=8192)
def _is_ask(text: str) -> bool:
    """Whether a unit asks the reader to do something (meet, click, reply...)."""
    if "?" in text and _ASK_QUESTION_TOPIC.search(text):
        return True
    return bool(_ASK_IMPERATIVE.search(text))
