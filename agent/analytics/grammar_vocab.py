"""Words the offline grammar knows: synonyms from grammar_words.yaml plus values in the database."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import text
from sqlalchemy.orm import Session

WORDS = yaml.safe_load((Path(__file__).parent / "grammar_words.yaml").read_text(encoding="utf-8"))
STOPWORDS: frozenset[str] = frozenset(WORDS["stopwords"].split())
SOURCES: dict[str, str] = WORDS["sources"]
INDUSTRIES: dict[str, str] = WORDS["industries"]
PERSONAS: dict[str, str] = WORDS["personas"]
LIFECYCLE: dict[str, str] = WORDS["lifecycle"]
TIERS: dict[str, str] = WORDS["tiers"]
STAGES: dict[str, str] = WORDS["stages"]
BEHAVIOUR_PHRASES: dict[str, str] = WORDS["behaviours"]
COUNTRY_ALIASES: dict[str, str] = WORDS["country_aliases"]


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    """Country names (official and common, lower-case) and aliases to alpha-2 codes."""
    import pycountry

    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name"):
            value = getattr(country, attr, None)
            if value and "," not in value:
                names[value.lower()] = country.alpha_2
    names.update(COUNTRY_ALIASES)
    return names


@dataclass
class Vocabulary:
    """Phrase -> code maps per attribute, and the saved segment names."""

    sources: dict[str, str] = field(default_factory=lambda: dict(SOURCES))
    industries: dict[str, str] = field(default_factory=lambda: dict(INDUSTRIES))
    personas: dict[str, str] = field(default_factory=lambda: dict(PERSONAS))
    product_interests: dict[str, str] = field(default_factory=dict)
    segments: list[str] = field(default_factory=list)


def _phrases(code: str) -> list[str]:
    """A stored code as the phrases a person would type ("real_estate" -> "real estate")."""
    spaced = code.replace("_", " ")
    return [spaced, spaced + "s"]


def load_vocabulary(session: Session) -> Vocabulary:
    """Static synonyms plus the attribute values and segment names present in the database."""
    vocab = Vocabulary()
    rows = session.execute(
        text(
            "SELECT 'industry' AS kind, industry AS value FROM leads WHERE industry <> '' "
            "GROUP BY industry UNION ALL SELECT 'persona', persona FROM leads "
            "WHERE persona <> '' GROUP BY persona UNION ALL SELECT 'source', source FROM leads "
            "WHERE source <> '' GROUP BY source UNION ALL SELECT 'product_interest', "
            "product_interest FROM leads WHERE product_interest <> '' GROUP BY product_interest "
            "UNION ALL SELECT 'segment', name FROM segments"
        )
    ).all()
    targets = {
        "industry": vocab.industries,
        "persona": vocab.personas,
        "source": vocab.sources,
        "product_interest": vocab.product_interests,
    }
    for kind, value in rows:
        if not value or not re.fullmatch(r"[\w .&/+-]{1,64}", value):
            continue
        if kind == "segment":
            vocab.segments.append(value)
            continue
        for phrase in _phrases(value.lower()):
            targets[kind].setdefault(phrase, value)
    return vocab


def alternation(phrases) -> str:
    """A regex alternation of phrases, longest first, spaces matching spaces or hyphens."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\ ", r"[ -]") for p in ordered)
