"""Enrollment and owner assignment for many leads at once, with `enroll`'s rules unchanged.

Ingestion fires hundreds of triggers per batch; calling `tools.enrollment.enroll` for each costs
about ten round trips apiece. `EnrollBatch` reads the leads, their enrollments, the do-not-contact
entries and the reps once, decides in memory with the same functions (`suppression_reason`,
`judge`, `Roster.pick` → `choose_rep`), and writes each kind of row in one statement per `flush`.
A caller gives each lead at most one decision between flushes (tools/triggers.py runs rounds),
so a decision always sees the ids of the enrollments decided before it.
The caller holds the leads' enrollment locks (`lock_leads`) for the whole transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from tools.assignment import Assignment, Roster, apply_assignments
from tools.enrollment import OPEN, EnrollmentResult, judge
from tools.guardrails import Decision, decision_event, do_not_contact, suppression_reason
from tools.sequences import Sequence, Step, UnknownSequence, load_sequences
from tools.timeline import add_events, system_event

_LEADS = text(
    """
    SELECT id, email, consent, lifecycle_stage, do_not_contact, missing_key_fields,
           owner_rep_id, country, company_size, product_interest
    FROM leads WHERE id = ANY(:ids)
    """
)
_ENROLLMENTS = text(
    "SELECT id, lead_id, sequence, status, enrolled_at FROM enrollments "
    "WHERE lead_id = ANY(:ids) ORDER BY id DESC"
)
_EXIT = text(
    """
    UPDATE enrollments e SET status = 'exited', exit_reason = 'superseded', exited_at = v.at,
           next_due_at = NULL
    FROM unnest(CAST(:ids AS bigint[]), CAST(:ats AS timestamptz[])) AS v(id, at)
    WHERE e.id = v.id
    """
)
_INSERT = text(
    """
    INSERT INTO enrollments (lead_id, sequence, sequence_version, track, status, current_step,
                             next_due_at, trigger, trigger_event_id, enrolled_at)
    SELECT lead_id, sequence, version, 'main', 'active', 0, next_due_at, trigger,
           trigger_event_id, enrolled_at
    FROM jsonb_to_recordset(CAST(:rows AS jsonb))
         AS t(ord int, lead_id bigint, sequence text, version int, next_due_at timestamptz,
              trigger text, trigger_event_id bigint, enrolled_at timestamptz)
    ORDER BY ord
    ON CONFLICT (lead_id, sequence) WHERE status IN ('active', 'paused') DO NOTHING
    RETURNING id, lead_id
    """
)


@dataclass
class Ticket:
    """An enrollment decided in memory; `result` is set when the batch is flushed."""

    lead_id: int
    sequence: str
    trigger: str
    trigger_event_id: int | None
    at: datetime
    version: int = 0
    next_due_at: datetime | None = None
    superseded: list[int] = field(default_factory=list)
    result: EnrollmentResult | None = None


@dataclass
class _Seen:
    """An enrollment as `judge` sees it (id is None until the batch writes it)."""

    id: int | None
    sequence: str
    status: str
    enrolled_at: datetime


class EnrollBatch:
    """Decide enrollments and owners for a set of leads in memory; write them in bulk."""

    def __init__(self, session: Session, lead_ids: list[int]):
        self.session = session
        ids = sorted(set(lead_ids))
        self.leads = {
            r.id: SimpleNamespace(**r._mapping) for r in session.execute(_LEADS, {"ids": ids}).all()
        }
        self.mine: dict[int, list[_Seen]] = {i: [] for i in ids}
        for r in session.execute(_ENROLLMENTS, {"ids": ids}).all():
            self.mine[r.lead_id].append(_Seen(r.id, r.sequence, r.status, r.enrolled_at))
        addresses = {
            x
            for lead in self.leads.values()
            if lead.email
            for x in (lead.email, lead.email.split("@", 1)[1])
        }
        self.listed = do_not_contact(session, sorted(addresses)) if addresses else {}
        self.sequences = load_sequences()  # one snapshot per batch (each call stats the files)
        self._roster: Roster | None = None
        self._exits: list[tuple[_Seen, int, str, datetime]] = []
        self._assignments: list[Assignment] = []
        self._tickets: list[Ticket] = []
        self._events: list[dict] = []

    def sequence(self, name: str) -> Sequence:
        """`get_sequence` from this batch's snapshot."""
        try:
            return self.sequences[name]
        except KeyError:
            raise UnknownSequence(name) from None

    @property
    def roster(self) -> Roster:
        if self._roster is None:
            self._roster = Roster(self.session)
        return self._roster

    def _in_sequence(self, lead_id: int) -> bool:
        return any(e.status in OPEN for e in self.mine[lead_id])

    def _count(self, lead_id: int, delta: int) -> None:
        """Add or take the lead from its owner's load when it is in an open sequence."""
        if self._in_sequence(lead_id):
            self.roster.shift(self.leads[lead_id].owner_rep_id, delta)

    def assign(self, lead_id: int, at: datetime) -> int | None:
        """`assign_owner` in memory: keep an active owner, else the rep the roster picks."""
        self._count(lead_id, -1)
        owner = self._assign(lead_id, at)
        self._count(lead_id, +1)
        return owner

    def _assign(self, lead_id: int, at: datetime) -> int | None:
        lead = self.leads[lead_id]
        if self.roster.keeps(lead.owner_rep_id):
            return lead.owner_rep_id
        picked = self.roster.pick(lead)
        if picked is None:
            return lead.owner_rep_id
        rep, rule = picked
        self._assignments.append(Assignment(lead_id, rep.id, rep.name, lead.owner_rep_id, rule, at))
        lead.owner_rep_id = rep.id
        self.roster.took(rep.id)
        return rep.id

    def enroll(
        self,
        lead_id: int,
        sequence: str,
        *,
        trigger: str,
        trigger_event_id: int | None,
        now: datetime,
    ) -> Ticket:
        """`tools.enrollment.enroll`, decided now and written at the next `flush`."""
        seq = self.sequence(sequence)
        ticket = Ticket(lead_id, sequence, trigger, trigger_event_id, now)
        lead = self.leads.get(lead_id)
        if lead is None:
            ticket.result = EnrollmentResult(False, sequence, f"no lead {lead_id}")
            return ticket
        key = f"enroll:{sequence}:{trigger_event_id or f'{trigger}:{now:%Y-%m-%d}'}"
        refused = suppression_reason(self.session, lead, listed=self.listed)
        verdict = judge(self.mine[lead_id], seq, now, self.sequences) if refused is None else None
        if verdict is not None and verdict.existing_id is not None:
            ticket.result = EnrollmentResult(
                False, sequence, "already enrolled", verdict.existing_id
            )
            return ticket
        reason = f"suppressed: {refused}" if refused else verdict.refused
        if reason:
            self._events.append(
                decision_event(lead_id, Decision(False, "not_enrolled", reason), key, now)
            )
            ticket.result = EnrollmentResult(False, sequence, reason)
            return ticket
        self._count(lead_id, -1)  # as `enroll` does: exits first, then the owner is chosen
        for other in verdict.replaces:
            self._exits.append((other, lead_id, f"replaced by {sequence}", now))
            other.status = "exited"
            ticket.superseded.append(other.id)
        self._assign(lead_id, now)
        first = seq.tracks["main"][0]
        assert isinstance(first, Step)
        ticket.version, ticket.next_due_at = seq.version, now + timedelta(days=first.delay_days)
        self.mine[lead_id].insert(0, _Seen(None, sequence, "active", now))
        self._count(lead_id, +1)
        self._tickets.append(ticket)
        return ticket

    def flush(self) -> None:
        """Write the decisions since the last flush and settle their tickets."""
        s = self.session
        if self._exits:
            s.execute(
                _EXIT,
                {"ids": [e.id for e, *_ in self._exits], "ats": [at for *_, at in self._exits]},
            )
            self._events += [
                system_event(
                    lead_id,
                    f"exit:{e.id}",
                    "sequence_exited",
                    at,
                    sequence=e.sequence,
                    code="superseded",
                    reason=detail,
                )
                for e, lead_id, detail, at in self._exits
            ]
        owners = apply_assignments(s, self._assignments)
        for lead_id, owner in owners.items():
            self.leads[lead_id].owner_rep_id = owner
        if self._tickets:
            rows = [
                {
                    "ord": i,
                    "lead_id": t.lead_id,
                    "sequence": t.sequence,
                    "version": t.version,
                    "next_due_at": t.next_due_at,
                    "trigger": t.trigger,
                    "trigger_event_id": t.trigger_event_id,
                    "enrolled_at": t.at,
                }
                for i, t in enumerate(self._tickets)
            ]
            new = dict(
                (r.lead_id, r.id) for r in s.execute(_INSERT, {"rows": orjson.dumps(rows).decode()})
            )
            for t in self._tickets:
                self._settle(t, new.get(t.lead_id))
        add_events(s, self._events)
        self._exits, self._assignments, self._tickets, self._events = [], [], [], []

    def _settle(self, t: Ticket, new_id: int | None) -> None:
        seen = next(e for e in self.mine[t.lead_id] if e.id is None and e.sequence == t.sequence)
        if new_id is None:  # another transaction enrolled the lead meanwhile
            self._count(t.lead_id, -1)
            self.mine[t.lead_id].remove(seen)
            self._count(t.lead_id, +1)
            t.result = EnrollmentResult(False, t.sequence, "already enrolled")
            return
        seen.id = new_id
        seq = self.sequence(t.sequence)
        self._events.append(
            system_event(
                t.lead_id,
                f"enrollment:{new_id}",
                "sequence_enrolled",
                t.at,
                sequence=t.sequence,
                version=seq.version,
                trigger=t.trigger,
                trigger_event_id=t.trigger_event_id,
                reason=f"enrolled in {t.sequence} ({t.trigger})",
            )
        )
        owner = self.leads[t.lead_id].owner_rep_id
        t.result = EnrollmentResult(
            True, t.sequence, f"enrolled ({t.trigger})", new_id, owner, t.superseded
        )
