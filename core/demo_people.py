"""Demo people: reps, accounts and the clean person behind each demo lead."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from core.demo_pools import (
    ACCOUNT_PREFIXES,
    CASE_STUDY_ACCOUNTS,
    COUNTRIES,
    INDUSTRY_SUFFIXES,
    INDUSTRY_WEIGHTS,
    NAMES,
    PERSONA_TITLES,
    PERSONA_WEIGHTS,
    SOURCE_WEIGHTS,
)

# Every demo address lives under the reserved `.example` TLD so a demo can never mail a real inbox.
PERSONAL_DOMAINS: tuple[str, ...] = ("mail.example", "inbox.example")


@dataclass(frozen=True)
class Rep:
    """A sales rep: a Slack user with a territory, product lines and a capacity of active leads."""

    name: str
    email: str
    slack_user_id: str
    region: str
    territory: list[str]
    product_lines: list[str]
    capacity: int


@dataclass(frozen=True)
class Account:
    """A company several demo leads may share."""

    account_id: str
    name: str
    domain: str
    industry: str
    company_size: int
    country: str
    timezone: str


@dataclass(frozen=True)
class Person:
    """The clean truth about one lead before any data-hygiene mess is applied."""

    number: int
    first_name: str
    last_name: str
    email: str
    title: str
    persona: str
    account: Account
    country: str
    timezone: str
    source: str
    product_interest: str
    phone: str | None

    @property
    def user_id(self) -> str:
        """The stable external id, e.g. "lead-000123"."""
        return f"lead-{self.number:06d}"


def build_reps() -> list[Rep]:
    """Return the six demo reps covering NA, EMEA, APAC and LATAM."""
    rows = (
        ("Maya Thompson", "NA", ["US", "CA"], ["core", "analytics"], 220),
        ("Daniel Okafor", "NA", ["US", "CA", "MX"], ["enterprise"], 120),
        ("Sofia Lindqvist", "EMEA", ["GB", "IE", "NL", "SE"], ["core", "analytics"], 200),
        ("Lucas Moreau", "EMEA", ["FR", "DE", "ES", "NL"], ["core", "enterprise"], 160),
        (
            "Priya Raman",
            "APAC",
            ["AU", "NZ", "SG", "IN", "JP"],
            ["core", "analytics", "enterprise"],
            180,
        ),
        ("Camila Rojas", "LATAM", ["BR", "MX", "AR", "CO"], ["core"], 140),
    )
    reps = []
    for number, (name, region, territory, lines, capacity) in enumerate(rows, start=1):
        first, last = name.lower().split()
        reps.append(
            Rep(
                name,
                f"{first}.{last}@nurture.example",
                f"U0REP{number:03d}",
                region,
                territory,
                lines,
                capacity,
            )
        )
    return reps


def slugify(text: str) -> str:
    """Lower-case ASCII letters and digits joined by hyphens ("Cedar & Pine" -> "cedar-pine")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    return "-".join(words)


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _company_size(rng: random.Random) -> int:
    # Log-normal: most companies are 10–500 people, with a long tail of enterprises.
    return max(2, min(60_000, round(rng.lognormvariate(4.6, 1.5))))


def build_accounts(rng: random.Random, count: int = 300) -> list[Account]:
    """Return `count` companies: the four case-study customers first, then generated ones."""
    accounts = []
    taken: set[str] = set()
    for name, industry, size, country, timezone in CASE_STUDY_ACCOUNTS:
        taken.add(slugify(name))
        accounts.append(
            Account(
                f"acct-{len(accounts) + 1:04d}",
                name,
                f"{slugify(name)}.example",
                industry,
                size,
                country,
                timezone,
            )
        )
    country_weights = {code: info[0] for code, info in COUNTRIES.items()}
    while len(accounts) < count:
        industry = _weighted(rng, INDUSTRY_WEIGHTS)
        name = f"{rng.choice(ACCOUNT_PREFIXES)} {rng.choice(INDUSTRY_SUFFIXES[industry])}"
        if slugify(name) in taken:
            continue
        taken.add(slugify(name))
        country = _weighted(rng, country_weights)
        accounts.append(
            Account(
                f"acct-{len(accounts) + 1:04d}",
                name,
                f"{slugify(name)}.example",
                industry,
                _company_size(rng),
                country,
                rng.choice(COUNTRIES[country][1]),
            )
        )
    return accounts


def _persona_for(rng: random.Random, pattern: str) -> str:
    if pattern == "careers":
        return rng.choices(("student", "engineer"), weights=(6, 4))[0]
    weights = dict(PERSONA_WEIGHTS)
    if pattern in {"hot", "customer", "opportunity", "closed_lost"}:
        weights["student"] = 0.0
    return _weighted(rng, weights)


def _email(rng: random.Random, first: str, last: str, domain: str, used: set[str]) -> str:
    first_a, last_a = slugify(first).replace("-", ""), slugify(last).replace("-", "")
    styles = (f"{first_a}.{last_a}", f"{first_a[0]}{last_a}", first_a, f"{first_a}{last_a[0]}")
    local = rng.choice(styles)
    candidate, suffix = f"{local}@{domain}", 2
    while candidate in used:
        candidate, suffix = f"{local}{suffix}@{domain}", suffix + 1
    used.add(candidate)
    return candidate


def _phone(rng: random.Random, country: str) -> str:
    prefix = COUNTRIES[country][2]
    if prefix == "+1":  # 555-01xx is reserved for fiction in the North American plan
        return f"+1 ({rng.randint(201, 989)}) 555-01{rng.randint(0, 99):02d}"
    return f"{prefix} {rng.randint(10, 99)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"


def _interest(rng: random.Random, persona: str, size: int) -> str:
    if size >= 1000 and rng.random() < 0.7:
        return "enterprise"
    if persona in {"operations", "marketing_manager"} and rng.random() < 0.4:
        return "analytics"
    return "core"


def build_person(
    rng: random.Random, number: int, pattern: str, accounts: list[Account], used: set[str]
) -> Person:
    """Return one clean, internally consistent lead whose persona fits its behaviour pattern."""
    persona = _persona_for(rng, pattern)
    if pattern == "customer" and rng.random() < 0.5:
        account = accounts[rng.randrange(len(CASE_STUDY_ACCOUNTS))]
    else:
        account = accounts[rng.randrange(len(accounts))]
    country = account.country
    timezone = account.timezone if rng.random() < 0.75 else rng.choice(COUNTRIES[country][1])
    first_names, last_names = NAMES[rng.choice(COUNTRIES[country][3])]
    first, last = rng.choice(first_names), rng.choice(last_names)
    personal = persona == "student" or (account.company_size < 10 and rng.random() < 0.3)
    domain = rng.choice(PERSONAL_DOMAINS) if personal else account.domain
    title = rng.choice(PERSONA_TITLES[persona])
    source = _weighted(rng, SOURCE_WEIGHTS)
    if pattern == "dormant" and source == "import":
        source = "webinar"
    phone = _phone(rng, country) if rng.random() < 0.55 else None
    return Person(
        number,
        first,
        last,
        _email(rng, first, last, domain, used),
        title,
        persona,
        account,
        country,
        timezone,
        source,
        _interest(rng, persona, account.company_size),
        phone,
    )
