"""Deterministic, realistic demo data: reps, accounts, Segment-style leads and events, content."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from core.demo_behaviour import campaign_schedule
from core.demo_bulk import iter_bulk_rows
from core.demo_content import content_library
from core.demo_patterns import PATTERNS, assign_patterns, build_trail
from core.demo_people import Account, Person, Rep, build_accounts, build_person, build_reps
from core.demo_pools import COUNTRIES, MESSY_TITLES
from core.vocab import KEY_FIELDS, LEAD_FIELDS

__all__ = [
    "CSV_COLUMNS",
    "DemoDataset",
    "generate",
    "iter_bulk_rows",
    "to_csv_rows",
    "to_jsonl_lines",
    "write_content",
]

# The demo CSV carries the lead fields a typical export has; persona, interest and phone stay off.
CSV_COLUMNS: tuple[str, ...] = tuple(
    f for f in LEAD_FIELDS if f not in {"persona", "product_interest", "phone"}
)
# Share of leads given each data-hygiene problem (independently of one another).
MESS_RATES: dict[str, float] = {
    "messy_email": 0.04,
    "messy_name": 0.04,
    "messy_title": 0.05,
    "messy_country": 0.06,
    "missing_one_field": 0.04,
}
MISSING_KEY_FIELDS_RATE = 0.03


@dataclass(frozen=True)
class DemoDataset:
    """Everything one demo needs; `patterns`, `quirks` and `duplicate_of` are the ground truth."""

    seed: int
    anchor: datetime
    days: int
    reps: list[Rep]
    accounts: list[Account]
    leads: list[dict]
    events: list[dict]
    content: dict[str, str]
    patterns: dict[str, str] = field(default_factory=dict)
    quirks: dict[str, list[str]] = field(default_factory=dict)
    duplicate_of: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Headline numbers: reps, accounts, leads, events, documents and leads per pattern."""
        totals = {
            "reps": len(self.reps),
            "accounts": len(self.accounts),
            "leads": len(self.leads),
            "events": len(self.events),
            "documents": len(self.content),
        }
        for pattern in PATTERNS:
            totals[f"pattern_{pattern}"] = sum(p == pattern for p in self.patterns.values())
        return totals


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z suffix and whole seconds ("2025-03-04T09:15:00Z")."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def default_anchor() -> datetime:
    """Today at 00:00 UTC."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def generate(
    seed: int = 7, n_leads: int = 1200, anchor: datetime | None = None, days: int = 30
) -> DemoDataset:
    """Build the demo dataset; the same seed and anchor always give byte-identical output."""
    if days < 7:
        raise ValueError("days must be at least 7: hot leads need a full week of pricing visits")
    anchor = default_anchor() if anchor is None else _as_utc(anchor)
    rng = random.Random(seed)
    accounts = build_accounts(rng, 300)
    patterns = assign_patterns(rng, n_leads)
    used_emails: set[str] = set()
    people = [build_person(rng, i + 1, patterns[i], accounts, used_emails) for i in range(n_leads)]
    duplicate_of = _make_duplicates(rng, people, patterns)
    campaigns = campaign_schedule(anchor)
    leads, events = [], []
    for person, pattern in zip(people, patterns, strict=True):
        lead_rng = random.Random(seed * 1_000_003 + person.number)
        created, items = build_trail(lead_rng, person, pattern, anchor, campaigns, days)
        leads.append(_identify(person, created))
        items.sort(key=lambda item: item[0])
        for seq, (moment, name, properties) in enumerate(items, start=1):
            events.append(
                {
                    "type": "track",
                    "userId": person.user_id,
                    "event": name,
                    "messageId": f"demo-track-{person.number:06d}-{seq:03d}",
                    "timestamp": iso(moment),
                    "properties": properties,
                }
            )
    events.sort(key=lambda event: (event["timestamp"], event["messageId"]))
    quirks = _make_mess(rng, people, patterns, leads)
    quirks["duplicate"] = sorted(duplicate_of)
    return DemoDataset(
        seed,
        anchor,
        days,
        build_reps(),
        accounts,
        leads,
        events,
        content_library(),
        {p.user_id: pattern for p, pattern in zip(people, patterns, strict=True)},
        quirks,
        duplicate_of,
    )


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _identify(person: Person, created: datetime) -> dict:
    traits = {
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "title": person.title,
        "company": person.account.name,
        "industry": person.account.industry,
        "company_size": person.account.company_size,
        "country": person.country,
        "timezone": person.timezone,
        "source": person.source,
        "persona": person.persona,
        "product_interest": person.product_interest,
    }
    if person.phone:
        traits["phone"] = person.phone
    return {
        "type": "identify",
        "userId": person.user_id,
        "messageId": f"demo-identify-{person.number:06d}",
        "timestamp": iso(created),
        "traits": traits,
    }


def _make_duplicates(rng: random.Random, people: list[Person], patterns: list[str]) -> dict:
    """Turn a handful of cold leads into re-imports of earlier people with a re-cased email."""
    cold = [i for i, p in enumerate(patterns) if p == "cold" and i > 0]
    duplicate_of = {}
    for index in sorted(rng.sample(cold, min(len(cold), max(1, len(people) // 200)))):
        original = people[rng.randrange(index)]
        if original.user_id in duplicate_of:
            continue
        local, domain = original.email.split("@")
        email = rng.choice((local.title(), local.upper())) + "@" + domain
        email = email if email != original.email else email.upper()
        people[index] = replace(original, number=people[index].number, email=email, source="import")
        duplicate_of[people[index].user_id] = original.user_id
    return duplicate_of


def _make_mess(
    rng: random.Random, people: list[Person], patterns: list[str], leads: list[dict]
) -> dict[str, list[str]]:
    """Apply data-hygiene problems to lead traits in place; return the affected ids per kind."""
    quirks: dict[str, list[str]] = {}
    for kind, rate in MESS_RATES.items():
        chosen = sorted(rng.sample(range(len(leads)), round(rate * len(leads))))
        quirks[kind] = [leads[i]["userId"] for i in chosen]
        for i in chosen:
            _MESSERS[kind](rng, people[i], leads[i]["traits"])
    quiet = [i for i, p in enumerate(patterns) if p in {"cold", "dormant", "careers"}]
    chosen = sorted(rng.sample(quiet, min(len(quiet), round(MISSING_KEY_FIELDS_RATE * len(leads)))))
    quirks["missing_key_fields"] = [leads[i]["userId"] for i in chosen]
    for i in chosen:
        traits = leads[i]["traits"]
        for name in rng.sample(KEY_FIELDS, rng.randint(3, 4)):
            if rng.random() < 0.7:
                traits.pop(name, None)
            else:
                traits[name] = ""
    return quirks


def _messy_email(rng: random.Random, person: Person, traits: dict) -> None:
    local, domain = person.email.split("@")
    local = ".".join(part.capitalize() for part in local.split("."))
    domain = rng.choice((domain.upper(), domain.capitalize()))
    traits["email"] = rng.choice(("  ", " ", "")) + f"{local}@{domain}" + rng.choice((" ", "  "))


def _messy_name(rng: random.Random, person: Person, traits: dict) -> None:
    traits["first_name"] = rng.choice(
        (
            f"  {person.first_name.swapcase()} ",
            person.first_name.lower(),
            f"{person.first_name.upper()} ",
        )
    )
    traits["last_name"] = rng.choice(
        (person.last_name.upper(), person.last_name.lower(), person.last_name)
    )


def _messy_title(rng: random.Random, person: Person, traits: dict) -> None:
    title = MESSY_TITLES.get(person.title)
    traits["title"] = title or rng.choice(
        (person.title.lower(), person.title.upper(), f" {person.title}  ")
    )


def _messy_country(rng: random.Random, person: Person, traits: dict) -> None:
    traits["country"] = rng.choice(COUNTRIES[person.country][4])


def _missing_one_field(rng: random.Random, person: Person, traits: dict) -> None:
    traits.pop(rng.choice(("title", "industry", "timezone", "last_name")), None)


_MESSERS = {
    "messy_email": _messy_email,
    "messy_name": _messy_name,
    "messy_title": _messy_title,
    "messy_country": _messy_country,
    "missing_one_field": _missing_one_field,
}


def to_csv_rows(dataset: DemoDataset) -> list[dict[str, str]]:
    """Lead rows for a CSV import, keyed by CSV_COLUMNS, messy values kept as typed."""
    rows = []
    for lead in dataset.leads:
        traits = lead["traits"]
        rows.append({c: "" if traits.get(c) is None else str(traits[c]) for c in CSV_COLUMNS})
    return rows


def to_jsonl_lines(dataset: DemoDataset) -> list[str]:
    """One JSON object per line: every identify payload first, then every track event in order."""
    dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    return [dump(lead) for lead in dataset.leads] + [dump(event) for event in dataset.events]


def write_content(dataset: DemoDataset, directory: str | Path) -> list[Path]:
    """Write the content library as Markdown files under `directory`; return the paths written."""
    root = Path(directory)
    written = []
    for name, text in sorted(dataset.content.items()):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written
