"""Extract what a reply's action needs: dates, the referred person, times, competitor, question.

Dates are resolved by `tools.reply_dates` (its docstring lists every rule). Each field is only
filled for the labels whose action uses it: follow_up_date for out_of_office and not_now,
referral_name / referral_email for referral, proposed_times for meeting_request, competitor for
objection and not_interested, question for question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from tools.reply_dates import resolve_follow_up_date

DEFAULT_COMPETITORS: tuple[str, ...] = (
    "HubSpot",
    "Marketo",
    "Pardot",
    "Salesforce",
    "ActiveCampaign",
    "Mailchimp",
    "Outreach",
    "Salesloft",
    "Apollo",
    "Pipedrive",
    "Zoho",
    "Klaviyo",
    "Brevo",
    "Sendinblue",
    "Keap",
    "Customer.io",
    "Intercom",
    "Drift",
    "Close",
    "Freshsales",
    "Lemlist",
    "Reply.io",
    "Eloqua",
)

EMAIL_RX = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_UP = "A-ZÀ-ÖØ-Þ"
_LOW = "a-zß-öø-ÿ'’-"
_PARTICLES = {
    "de",
    "van",
    "der",
    "den",
    "da",
    "dos",
    "das",
    "del",
    "von",
    "la",
    "le",
    "di",
    "du",
    "ten",
    "ter",
}
_NAME_RX = (
    rf"[{_UP}][{_LOW}]+(?:\s+(?:(?:{'|'.join(sorted(_PARTICLES))})\s+)*[{_UP}][{_LOW}]+){{0,2}}"
)
_NOT_NAMES = {
    "please",
    "contact",
    "hi",
    "hello",
    "hey",
    "thanks",
    "the",
    "our",
    "my",
    "email",
    "mail",
    "dear",
    "i",
    "we",
    "he",
    "she",
    "head",
    "cmo",
    "ceo",
    "cto",
    "cfo",
    "vp",
    "it",
    "team",
    "try",
    "reach",
    "talk",
    "speak",
    "ask",
    "ping",
    "write",
    "call",
    "forwarding",
    "frau",
    "herr",
    "herrn",
    "mr",
    "mrs",
    "ms",
    "dr",
    "sr",
    "sra",
    "mme",
    "mevrouw",
    "meneer",
    "dhr",
    "bitte",
    "por",
    "je",
    "ik",
    "fale",
    "neem",
    "kontaktieren",
    "contacte",
    "contactez",
    "contacter",
    "contacta",
    "wrong",
    "not",
    "sorry",
    "best",
    "marketing",
    "sales",
    "finance",
    "support",
    "ops",
    "revops",
    "hr",
    "cc",
    "via",
    "at",
    "and",
    "or",
    "o",
    "a",
    "senior",
    "director",
    "manager",
    "lead",
}
_BINDING = re.compile(r"\s*(?:\(|<|\[|:|,|-|–|—|via|at|on|email|e-mail|an)?\s*$", re.IGNORECASE)
_CUE_NAME = re.compile(
    r"(?i:colleague|kollegin|kollege|colega|collègue|collega|replacement(?:\s+is)?|successor"
    r"|nachfolger(?:in)?|contact|reach\s+out\s+to|talk\s+to|speak\s+(?:with|to)|cc'?d|cc'?ing"
    r"|loop(?:ed|ing)?\s+in|forward(?:ing|ed)?\s+(?:this\s+|it\s+|you\s+)?to|wenden\s+sie\s+sich"
    r"(?:\s+bitte)?\s+an|contacte\s+con|contactar(?:\s+a|\s+con)?|contactez|contacter|neem\s+contact"
    r"\s+op\s+met|fale\s+com(?:\s+[oa])?|falar\s+com(?:\s+[oa])?|handled\s+by|owned\s+by)"
    r"\s+(?:(?i:my|our|meine?|unsere?|mi|nuestr[oa]|mon|ma|notre|mijn|onze|meu|minha|noss[oa])\s+)?"
    r"(?:(?i:colleague|kollegin|kollege|colega|collègue|collega)\s+)?"
    r"(?:(?:Frau|Herrn?|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Sr\.?|Sra\.?|Mme|M\.)\s+)?"
    rf"({_NAME_RX})"
)

_DAY = (
    r"today|tomorrow|monday|tuesday|wednesday|thursday|friday|mon|tue|tues|wed|thu|thur|thurs|fri"
    r"|montag|dienstag|mittwoch|donnerstag|freitag|lunes|martes|miércoles|jueves|viernes"
    r"|lundi|mardi|mercredi|jeudi|vendredi|maandag|dinsdag|woensdag|donderdag|vrijdag"
    r"|segunda(?:-feira)?|terça(?:-feira)?|quarta(?:-feira)?|quinta(?:-feira)?|sexta(?:-feira)?"
    r"|morgen|mañana|demain|amanhã"
)
_TZ = r"(?:\s*(?:cet|cest|est|edt|pst|pdt|pt|et|ct|gmt|utc|bst|ist|mez|mesz)\b)?"
_CLOCK = (
    rf"(?:\d{{1,2}}(?::\d{{2}}|\.\d{{2}})\s*(?:am|pm|a\.m\.|p\.m\.|h\b|uhr|uur|hrs)?{_TZ}"
    rf"|\d{{1,2}}\s*(?:am|pm|a\.m\.|p\.m\.|h\b|uhr|uur|hrs){_TZ})"
)
_PREP = r"(?:at|@|around|from|um|a\s+las|à|om|às|ab)"
_PART = (
    r"morning|afternoon|evening|noon|lunchtime|vormittag|nachmittag|matin|après-midi|ochtend"
    r"|middag|manhã|tarde"
)
_TIME_RX = re.compile(
    rf"\b(?:(?:next|this)\s+)?(?:{_DAY})\b,?\s*(?:{_PREP}\s*)?(?:{_CLOCK}|(?:{_PART})\b)"
    rf"|\b(?:(?:next|this)\s+)?(?:{_DAY})\b,?\s*{_PREP}\s*\d{{1,2}}\b(?!\s*[./]?\s*\w*[a-z]{{3}})"
    rf"|\b(?:next|this)\s+(?:{_DAY})\b"
    rf"|\b{_PREP}\s*{_CLOCK}|\b{_CLOCK}",
    re.IGNORECASE,
)
_USING = re.compile(
    r"(?i:we\s+use|we'?re\s+using|we\s+are\s+using|already\s+(?:use|using|on)|went\s+with"
    r"|switched\s+to|signed\s+with|moved\s+to|chose|going\s+with|happy\s+with|sticking\s+with"
    r"|stick\s+with|contract\s+with|wir\s+(?:nutzen|verwenden)|usamos|utilizamos|trabajamos\s+con"
    r"|nous\s+utilisons|on\s+utilise|gebruiken\s+al|we\s+gebruiken|já\s+usamos)"
    r"\s+(?:(?i:a|an|the|o|el|le|al)\s+)?([A-Z][\w.]+(?:\s+[A-Z][\w.]+)?)"
)
_NOT_PRODUCTS = {"It", "The", "This", "That", "Our", "A", "An", "Excel", "We", "You", "I"}


def _name_before(text: str, end: int) -> str | None:
    """Walk back from `end` over capitalised words (and name particles) to find a name."""
    head = text[:end]
    binding = _BINDING.search(head)
    tokens = re.findall(r"[\w'’.-]+", head[: binding.start()] if binding else head)
    name: list[str] = []
    for token in reversed(tokens[-5:]):
        clean = token.strip(".")
        if clean.lower() in _NOT_NAMES or not clean:
            break
        capitalised = clean[0].isupper() and clean[1:].replace("-", "").replace("'", "").isalpha()
        if capitalised or (clean.lower() in _PARTICLES and name):
            name.insert(0, clean)
        else:
            break
    while name and name[0].lower() in _PARTICLES:
        name.pop(0)
    return " ".join(name) or None


def extract_referral(text: str, sender: str | None = None) -> tuple[str | None, str | None]:
    """Return (name, email) of the person the reply points to; either may be None."""
    own = (sender or "").lower()
    emails = [m for m in EMAIL_RX.finditer(text) if m.group(0).lower() not in own]
    email = emails[0].group(0).rstrip(".").lower() if emails else None
    name = _name_before(text, emails[0].start()) if emails else None
    if not name:
        cue = _CUE_NAME.search(text)
        name = cue.group(1) if cue else None
    return name, email


def extract_proposed_times(text: str) -> list[str]:
    """Return the meeting times the reply proposes, verbatim, in order of appearance."""
    seen: list[str] = []
    for match in _TIME_RX.finditer(text):
        value = match.group(0).strip(" ,")
        if value and value not in seen:
            seen.append(value)
    return seen


def extract_competitor(text: str, competitors: Sequence[str] = DEFAULT_COMPETITORS) -> str | None:
    """Return the competitor named in the reply: a known name first, else 'we use X' phrasing."""
    for name in competitors:
        if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", text, re.IGNORECASE):
            return name
    match = _USING.search(text)
    if match and match.group(1).split()[0] not in _NOT_PRODUCTS:
        return match.group(1).rstrip(".")
    return None


def extract_question(text: str) -> str | None:
    """Return the first question sentence of the reply, verbatim."""
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        if sentence.strip().endswith("?"):
            return sentence.strip()
    return None


def extract_fields(
    label: str,
    text: str,
    received: date,
    sender: str | None = None,
    competitors: Sequence[str] = DEFAULT_COMPETITORS,
) -> dict[str, Any]:
    """Return the extraction fields the action for `label` needs (the rest stay empty)."""
    fields: dict[str, Any] = {
        "follow_up_date": None,
        "referral_name": None,
        "referral_email": None,
        "proposed_times": [],
        "competitor": None,
        "question": None,
    }
    if label in ("out_of_office", "not_now"):
        fields["follow_up_date"] = resolve_follow_up_date(text, received)
    elif label == "referral":
        fields["referral_name"], fields["referral_email"] = extract_referral(text, sender)
    elif label == "meeting_request":
        fields["proposed_times"] = extract_proposed_times(text)
    elif label in ("objection", "not_interested"):
        fields["competitor"] = extract_competitor(text, competitors)
    elif label == "question":
        fields["question"] = extract_question(text)
    return fields
