"""Field hygiene: normalize emails, names, titles, countries and timezones; count missing fields."""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

import pycountry
from email_validator import EmailNotValidError, validate_email

from core.vocab import KEY_FIELDS

_COUNTRY_ALIASES = {
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "america": "US",
    "united states of america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "great britain": "GB",
    "deutschland": "DE",
    "españa": "ES",
    "espana": "ES",
    "nederland": "NL",
    "holland": "NL",
    "the netherlands": "NL",
    "brasil": "BR",
    "méxico": "MX",
    "schweiz": "CH",
    "suisse": "CH",
    "österreich": "AT",
    "italia": "IT",
    "belgië": "BE",
    "belgique": "BE",
    "south korea": "KR",
    "korea": "KR",
    "russia": "RU",
    "uae": "AE",
}

# Title words rewritten to their canonical spelling; acronyms stay upper-case.
_TITLE_WORDS = {
    "vp": "VP",
    "svp": "SVP",
    "evp": "EVP",
    "avp": "AVP",
    "ceo": "CEO",
    "cto": "CTO",
    "cfo": "CFO",
    "coo": "COO",
    "cmo": "CMO",
    "cro": "CRO",
    "cio": "CIO",
    "ciso": "CISO",
    "cpo": "CPO",
    "it": "IT",
    "hr": "HR",
    "saas": "SaaS",
    "b2b": "B2B",
    "seo": "SEO",
    "dir": "Director",
    "dir.": "Director",
    "mgr": "Manager",
    "mgr.": "Manager",
    "sr": "Senior",
    "sr.": "Senior",
    "jr": "Junior",
    "jr.": "Junior",
    "ops": "Operations",
    "mktg": "Marketing",
    "of": "of",
    "and": "and",
    "&": "&",
}

_SENIORITY_RULES: tuple[tuple[str, str], ...] = (
    (r"\b(intern|internship|student|trainee|werkstudent)\b", "student"),
    (
        r"\b(ceo|cto|cfo|coo|cmo|cro|cio|ciso|cpo|chief|founder|co-founder|cofounder|owner|"
        r"president|managing director|partner)\b",
        "c_level",
    ),
    (r"\b(vp|svp|evp|avp|vice president)\b", "vp"),
    (r"\b(director|head of|head)\b", "director"),
    (r"\b(manager|lead|principal)\b", "manager"),
)


class InvalidEmail(ValueError):
    """An email address that cannot be normalized."""


def normalize_email(raw: str) -> str:
    """Lower-case, trim and validate an address (syntax only, no DNS); raise InvalidEmail."""
    candidate = (raw or "").strip().strip("<>").strip()
    try:
        result = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from exc
    return result.normalized.lower()


def _cap_word(word: str) -> str:
    parts = re.split(r"([-'’])", word)
    return "".join(p[:1].upper() + p[1:].lower() if p not in "-'’" else p for p in parts)


def normalize_name(raw: str | None) -> str | None:
    """Trim and collapse spaces; fix all-lower/all-upper/jumbled case ("jANE" -> "Jane")."""
    if raw is None:
        return None
    value = " ".join(raw.split())
    if not value:
        return None
    words = value.split(" ")
    fixed = []
    for word in words:
        jumbled = word.islower() or word.isupper() or word[:1].islower()
        fixed.append(_cap_word(word) if jumbled else word)
    return " ".join(fixed)


def normalize_title(raw: str | None) -> str | None:
    """Canonical job title: "vp, marketing" -> "VP Marketing", "dir. of ops" -> "Director of …"."""
    if raw is None:
        return None
    value = re.sub(r"\s*,\s*", " ", raw.strip())
    value = " ".join(value.split())
    if not value:
        return None
    words = []
    for word in value.split(" "):
        key = word.lower()
        if key in _TITLE_WORDS:
            words.append(_TITLE_WORDS[key])
        elif word.isupper() and len(word) <= 4:
            words.append(word)
        else:
            words.append(_cap_word(word))
    if words:
        words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words)


def seniority(title: str | None) -> str | None:
    """Seniority bucket from a title: student, c_level, vp, director, manager or individual."""
    if not title:
        return None
    lowered = title.lower()
    for pattern, bucket in _SENIORITY_RULES:
        if re.search(pattern, lowered):
            return bucket
    return "individual"


@lru_cache(maxsize=2048)
def normalize_country(raw: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for a country name, alias or code; None when unknown."""
    if not raw or not raw.strip():
        return None
    value = raw.strip()
    alias = _COUNTRY_ALIASES.get(value.lower())
    if alias:
        return alias
    if len(value) == 2 and pycountry.countries.get(alpha_2=value.upper()):
        return value.upper()
    if len(value) == 3 and pycountry.countries.get(alpha_3=value.upper()):
        return pycountry.countries.get(alpha_3=value.upper()).alpha_2
    try:
        return pycountry.countries.lookup(value).alpha_2
    except LookupError:
        return None


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def normalize_timezone(raw: str | None) -> str | None:
    """A valid IANA zone name or None."""
    if not raw or not raw.strip():
        return None
    value = raw.strip()
    if value in _zones():
        ZoneInfo(value)
        return value
    return None


def missing_key_fields(record: dict) -> int:
    """How many of the key fields are empty (three or more → suppressed from sending)."""
    return sum(1 for field in KEY_FIELDS if not record.get(field))
