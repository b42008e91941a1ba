"""Owner assignment: territory, then company size and product line, round-robin by load.

`assign_owner` gives a lead without an (active) owner the best rep with spare capacity and says
why on the lead's timeline. Capacity counts the rep's leads in an active or paused sequence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.models import Lead
from tools import clock
from tools.timeline import add_events, system_event

CONFIG = Path(__file__).parent / "config" / "assignment.yaml"


class AssignmentConfig(BaseModel):
    """Assignment settings (tools/config/assignment.yaml)."""

    model_config = ConfigDict(extra="forbid")

    enterprise_company_size: int
    enterprise_product_line: str


@lru_cache(maxsize=2)
def load_assignment(path: Path | None = None) -> AssignmentConfig:
    """Load and validate the assignment config."""
    return AssignmentConfig.model_validate(yaml.safe_load(Path(path or CONFIG).read_text()))


@dataclass(frozen=True)
class Candidate:
    """An active rep with spare capacity."""

    id: int
    name: str
    territory: list[str]
    product_lines: list[str]
    load: int
    owned: int


_CANDIDATES = text(
    """
    SELECT r.id, r.name, r.territory, r.product_lines, r.capacity, r.active,
           (SELECT count(DISTINCT e.lead_id) FROM enrollments e JOIN leads l ON l.id = e.lead_id
             WHERE l.owner_rep_id = r.id AND e.status IN ('active', 'paused')) AS load,
           (SELECT count(*) FROM leads l WHERE l.owner_rep_id = r.id) AS owned
    FROM reps r WHERE r.active ORDER BY r.id
    """
)


def candidates(session: Session) -> list[Candidate]:
    """Active reps below their capacity."""
    rows = session.execute(_CANDIDATES).all()
    return [
        Candidate(
            r.id, r.name, list(r.territory or []), list(r.product_lines or []), r.load, r.owned
        )
        for r in rows
        if r.load < r.capacity
    ]


def choose_rep(lead: Lead, reps: list[Candidate], cfg: AssignmentConfig) -> tuple[Candidate, str]:
    """Pick a rep for the lead and say which rules decided (pure: no database)."""
    pool, why = reps, []
    rules = [
        ("territory", lambda r: bool(lead.country) and lead.country in r.territory),
        (
            "enterprise",
            lambda r: (
                (lead.company_size or 0) >= cfg.enterprise_company_size
                and cfg.enterprise_product_line in r.product_lines
            ),
        ),
        (
            "product line",
            lambda r: bool(lead.product_interest) and lead.product_interest in r.product_lines,
        ),
    ]
    for name, keep in rules:
        narrowed = [r for r in pool if keep(r)]
        if narrowed:
            pool, why = narrowed, [*why, name]
    best = min(pool, key=lambda r: (r.load, r.owned, r.id))
    return best, " + ".join(why) or "round-robin"


def owner_event(
    lead_id: int, rep_id: int, rep_name: str, rule: str, previous: int | None, at: datetime
) -> dict[str, Any]:
    """The owner_assigned timeline row, once per (lead, new rep, previous rep)."""
    return system_event(
        lead_id,
        f"owner:{lead_id}:{rep_id}:{previous or 0}",
        "owner_assigned",
        at,
        rep_id=rep_id,
        rep=rep_name,
        rule=rule,
        reason=rule,
    )


def assign_owner(session: Session, lead: Lead, now: datetime | None = None) -> int | None:
    """The lead's owner rep id, assigning one when it has none; None when nobody has capacity."""
    if lead.owner_rep_id is not None:
        active = session.execute(
            text("SELECT active FROM reps WHERE id = :id"), {"id": lead.owner_rep_id}
        ).scalar()
        if active:
            return lead.owner_rep_id
    reps = candidates(session)
    if not reps:
        return lead.owner_rep_id
    rep, rule = choose_rep(lead, reps, load_assignment())
    previous = lead.owner_rep_id
    won = session.execute(
        text(
            "UPDATE leads SET owner_rep_id = :rep WHERE id = :lead "
            "AND owner_rep_id IS NOT DISTINCT FROM :previous RETURNING id"
        ),
        {"rep": rep.id, "lead": lead.id, "previous": previous},
    ).scalar()
    if won is None:  # somebody else assigned the lead meanwhile: keep theirs
        session.refresh(lead, ["owner_rep_id"])
        return lead.owner_rep_id
    lead.owner_rep_id = rep.id
    add_events(
        session, [owner_event(lead.id, rep.id, rep.name, rule, previous, now or clock.now())]
    )
    return rep.id


class Roster:
    """The active reps and their loads, kept current in memory while a batch assigns owners.

    `assign_owner` re-reads the candidates for every lead; a batch reads them once and counts
    each assignment and new enrollment itself, so its choices match `assign_owner`'s in order.
    """

    def __init__(self, session: Session):
        rows = session.execute(_CANDIDATES).all()
        self.reps = {r.id: r for r in rows}  # active reps only
        self.load = {r.id: r.load for r in rows}
        self.owned = {r.id: r.owned for r in rows}
        self.cfg = load_assignment()

    def keeps(self, owner_rep_id: int | None) -> bool:
        """Does the lead keep this owner (an active rep)?"""
        return owner_rep_id is not None and owner_rep_id in self.reps

    def pick(self, lead) -> tuple[Candidate, str] | None:
        """The rep `assign_owner` would choose for this lead now, or None when all are full."""
        pool = [
            Candidate(
                r.id,
                r.name,
                list(r.territory or []),
                list(r.product_lines or []),
                self.load[r.id],
                self.owned[r.id],
            )
            for r in self.reps.values()
            if self.load[r.id] < r.capacity
        ]
        return choose_rep(lead, pool, self.cfg) if pool else None

    def took(self, rep_id: int) -> None:
        """Count a lead newly owned by the rep."""
        self.owned[rep_id] += 1

    def shift(self, rep_id: int | None, delta: int) -> None:
        """Add to the rep's load (leads of the rep in an open sequence)."""
        if rep_id in self.load:
            self.load[rep_id] += delta


@dataclass(frozen=True)
class Assignment:
    """An owner chosen in memory, to be written by `apply_assignments`."""

    lead_id: int
    rep_id: int
    rep_name: str
    previous: int | None
    rule: str
    at: datetime


_ASSIGN = text(
    """
    UPDATE leads l SET owner_rep_id = v.rep
    FROM unnest(CAST(:leads AS bigint[]), CAST(:reps AS bigint[]), CAST(:previous AS bigint[]))
         AS v(lead, rep, previous)
    WHERE l.id = v.lead AND l.owner_rep_id IS NOT DISTINCT FROM v.previous
    RETURNING l.id
    """
)


def apply_assignments(session: Session, plans: list[Assignment]) -> dict[int, int | None]:
    """Write owners chosen in memory (compare-and-set, like `assign_owner`); owners by lead.

    A lead somebody else assigned meanwhile keeps their owner, which is what is returned for it.
    """
    if not plans:
        return {}
    won = set(
        session.execute(
            _ASSIGN,
            {
                "leads": [p.lead_id for p in plans],
                "reps": [p.rep_id for p in plans],
                "previous": [p.previous for p in plans],
            },
        ).scalars()
    )
    owners: dict[int, int | None] = {p.lead_id: p.rep_id for p in plans if p.lead_id in won}
    if lost := [p.lead_id for p in plans if p.lead_id not in won]:
        rows = session.execute(
            text("SELECT id, owner_rep_id FROM leads WHERE id = ANY(:ids)"), {"ids": lost}
        )
        owners.update({r.id: r.owner_rep_id for r in rows})
    add_events(
        session,
        [
            owner_event(p.lead_id, p.rep_id, p.rep_name, p.rule, p.previous, p.at)
            for p in plans
            if p.lead_id in won
        ],
    )
    return owners
