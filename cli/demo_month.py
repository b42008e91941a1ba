"""`nurture demo`, last step: a simulated month of the demo data through the playbooks.

The clock runs hour by hour over the dataset's 30 days for a sample of leads: their events fire
the triggers as they happen, the worker drafts due steps (the real offline agent), a "demo
reviewer" approves most drafts through resume_review (rejects a few, leaves a few waiting), the
sender delivers into the file outbox ($NURTURE_HOME/outbox) under the guardrails, and the leads
react like their behaviour pattern: clicks, replies, out-of-office notices (through the inbound
path). Other leads' enrollments are paused for the month and resumed after, for `nurture worker`.
"""

from __future__ import annotations

import hashlib
import heapq
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import format_datetime

from sqlalchemy import select, text

from core.models import Draft, Lead, Outbox, Rep
from tools import clock
from tools.delivery import FileOutbox
from tools.email_events import lead_event
from tools.inbound import handle, receive
from tools.sender import send_due
from tools.triggers import evaluate_triggers, sweep_reengagement
from tools.worker import process_due, resolve_reviews

REVIEWER = "demo.reviewer@nurture.example"
HOUR = timedelta(hours=1)
# pattern -> (click chance, reply chance) per email received
REACTIONS = {"hot": (0.5, 0.3), "warm": (0.3, 0.1), "dormant": (0.1, 0.05)}
REPLIES = {
    "meeting": "Thanks {rep}, good timing. Could we do a 30-minute call on Thursday at 10am?",
    "question": "Interesting. Does it integrate with HubSpot, and what would it cost for 12 seats?",
    "not_now": "Not right now, we're in the middle of a migration. Try me again in two months.",
    "ooo": "I'm out of the office until {back:%d %B} with limited access to email.",
}


def sample_leads(session, dataset, size: int) -> list[int]:
    """A deterministic sample: a quarter hot, a third warm, the rest across the other patterns."""
    groups: dict[str, list[str]] = {}
    for uid, pattern in sorted(dataset.patterns.items()):
        groups.setdefault(pattern, []).append(uid)
    picked = groups.get("hot", [])[: size // 4] + groups.get("warm", [])[: size // 3]
    others = [groups[p] for p in sorted(groups) if p not in ("hot", "warm")]
    for i in range(max(map(len, others), default=0)):
        picked += [g[i] for g in others if i < len(g)]
    rows = session.execute(
        select(Lead.id, Lead.external_id).where(Lead.external_id.in_(picked[:size]))
    ).all()
    return sorted(lead_id for lead_id, _ in rows)


def _reply_mime(row: Outbox, lead: Lead, kind: str, at: datetime) -> bytes:
    rep_first = (row.from_name or "there").split()[0]
    body = REPLIES[kind].format(rep=rep_first, back=at + timedelta(days=7))
    auto = "Auto-Submitted: auto-replied\r\n" if kind == "ooo" else ""
    return (
        f"From: {lead.first_name or ''} {lead.last_name or ''} <{lead.email}>\r\n"
        f"To: {row.from_name or ''} <{row.from_email}>\r\nSubject: Re: {row.subject}\r\n"
        f"Message-ID: <demo-reply-{row.id}-{kind}@{lead.email.split('@')[1]}>\r\n"
        f"In-Reply-To: {row.message_id}\r\nReferences: {row.message_id}\r\n"
        f"Date: {format_datetime(at)}\r\n{auto}Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n\r\nOn {format_datetime(row.sent_at)}, {row.from_name} wrote:\r\n"
        f"> {row.subject}\r\n"
    ).encode()


class Leads:
    """The sample's simulated behaviour: reactions to each email, fired when they fall due."""

    def __init__(self, dataset, seed: int):
        self.patterns, self.seed = dataset.patterns, seed
        self.queue: list[tuple[datetime, int, str, int]] = []

    def received(self, session, since: datetime, until: datetime, sample: list[int]) -> None:
        """Decide how each lead reacts to the emails sent to it in (since, until]."""
        rows = session.execute(
            select(Outbox.id, Outbox.lead_id, Lead.external_id)
            .join(Lead, Lead.id == Outbox.lead_id)
            .where(Outbox.sent_at > since, Outbox.sent_at <= until, Outbox.lead_id.in_(sample))
        ).all()
        for outbox_id, lead_id, uid in rows:
            rng = random.Random(f"{self.seed}:{outbox_id}")
            click, reply = REACTIONS.get(self.patterns.get(uid, "cold"), (0.05, 0.02))
            if rng.random() < click:
                heapq.heappush(
                    self.queue, (until + HOUR * rng.randint(1, 20), outbox_id, "click", lead_id)
                )
            roll = rng.random()
            kind = (
                "ooo"
                if roll < 0.03
                else (
                    rng.choice(("meeting", "question", "not_now")) if roll < 0.03 + reply else None
                )
            )
            if kind:
                heapq.heappush(
                    self.queue, (until + HOUR * rng.randint(2, 30), outbox_id, kind, lead_id)
                )

    def react(self, session, until: datetime, handler: Callable[[int], object]) -> None:
        """Fire the clicks and replies due by `until`."""
        while self.queue and self.queue[0][0] <= until:
            at, outbox_id, kind, lead_id = heapq.heappop(self.queue)
            row, lead = session.get(Outbox, outbox_id), session.get(Lead, lead_id)
            if kind == "click":
                demo = int(hashlib.sha1(row.message_id.encode()).hexdigest(), 16) % 3 == 0
                url = "https://nurture.example/demo" if demo else "https://nurture.example/guides"
                props = {"url": url, "message_id": row.message_id, "outbox_id": row.id}
                props |= {"link": "demo_offer"} if demo else {}
                lead_event(session, lead, "Email Clicked", f"demo-click:{row.id}", props, at)
            else:
                handle(session, receive(session, _reply_mime(row, lead, kind, at), "demo"), handler)


def review_pending(session, sample: list[int], review: Callable[[int, str, str | None], None]):
    """The demo reviewer: approve most drafts, reject one in ten, leave one in twenty waiting."""
    drafts = session.scalars(
        select(Draft.id).where(Draft.status == "pending", Draft.lead_id.in_(sample))
    ).all()
    session.commit()
    for draft_id in drafts:
        bucket = int(hashlib.sha1(f"draft-{draft_id}".encode()).hexdigest(), 16) % 20
        if bucket == 0:
            continue  # still waiting when the month ends
        if bucket in (1, 2):
            review(draft_id, "reject", "too generic: mention their industry")
        else:
            review(draft_id, "approve", None)


def ensure_reviewer(session) -> None:
    """The demo reviewer: an approver rep."""
    if session.scalar(select(Rep.id).where(Rep.email == REVIEWER)) is None:
        session.add(Rep(name="Demo Reviewer", email=REVIEWER, is_approver=True))
        session.commit()


def run_month(db, dataset, settings, *, sample_size: int, seed: int, progress=None) -> dict:
    """Run the simulated month; returns what the report needs."""
    from agent.entry import draft_for_step, draft_for_steps, drafts_in_batches, resume_review
    from agent.reply_graph import handle_reply

    start, end = dataset.anchor - timedelta(days=dataset.days), dataset.anchor
    transport = FileOutbox(settings.home / "outbox")  # the demo never uses a real relay
    drafter = lambda eid, **kw: draft_for_step(db, eid, **kw)  # noqa: E731
    # offline drafting goes through the agent's batch path, as `nurture worker` does
    batch_drafter = (lambda steps: draft_for_steps(db, steps)) if drafts_in_batches() else None
    review = lambda did, action, reason: resume_review(db, did, action, REVIEWER, reason=reason)  # noqa: E731
    with db.session() as session:
        ensure_reviewer(session)
        sample = sample_leads(session, dataset, sample_size)
        paused = (
            session.execute(
                text(
                    "UPDATE enrollments SET status = 'paused' WHERE status = 'active' "
                    "AND NOT lead_id = ANY(:sample) RETURNING id"
                ),
                {"sample": sample},
            )
            .scalars()
            .all()
        )
    leads, t = Leads(dataset, seed), start
    with db.sessions() as session:
        while t <= end:
            with clock.simulated(t):
                ids = (
                    session.execute(
                        text(
                            "SELECT id FROM events WHERE lead_id = ANY(:s) AND occurred_at > :a "
                            "AND occurred_at <= :b AND source = 'segment'"
                        ),
                        {"s": sample, "a": t - HOUR, "b": t},
                    )
                    .scalars()
                    .all()
                )
                evaluate_triggers(session, ids, now=t)
                if t.hour == 0:
                    sweep_reengagement(session, t, lead_ids=sample)
                session.commit()
                process_due(
                    session,
                    drafter,
                    now=t,
                    limit=200,
                    worker_id="demo",
                    batch_drafter=batch_drafter,
                )
                resolve_reviews(session, t)
                review_pending(session, sample, review)
                send_due(session, transport, settings, now=t, limit=200, worker_id="demo")
                leads.received(session, t - HOUR, t, sample)
                leads.react(session, t, lambda rid: handle_reply(db, rid))
                session.commit()
            if progress:
                progress(t)
            t += HOUR
    with db.session() as session:
        session.execute(
            text("UPDATE enrollments SET status = 'active' WHERE id = ANY(:ids)"),
            {"ids": list(paused)},
        )
    return {"start": start, "end": end, "sample": sample, "paused": len(paused)}


def show_simulated_month(dataset, *, sample_size: int, seed: int) -> None:
    """The demo step: run the month (with a progress bar) and print the report."""
    from rich.progress import BarColumn, Progress, TextColumn

    from cli.context import console, database, err_console
    from cli.demo_month_report import show_month
    from core.settings import get_settings

    if sample_size <= 0:
        return
    settings = get_settings()
    with database() as db:
        columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[day]}"))
        with Progress(*columns, console=err_console, transient=True) as bar:
            task = bar.add_task(
                "simulating a month of sequences", total=dataset.days * 24 + 1, day=""
            )
            result = run_month(
                db,
                dataset,
                settings,
                sample_size=sample_size,
                seed=seed,
                progress=lambda t: bar.update(task, advance=1, day=f"{t:%a %d %b}"),
            )
        with db.session() as session:
            show_month(console, session, result, settings.home / "outbox")
