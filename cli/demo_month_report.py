"""The report after the simulated month: sequences, what was sent, held (and why) and replied."""

from __future__ import annotations

from rich.table import Table
from sqlalchemy import text

SEQUENCES = """
SELECT sequence, count(*) AS enrolled,
       count(*) FILTER (WHERE status IN ('active', 'paused')) AS open,
       count(*) FILTER (WHERE status = 'completed') AS completed,
       count(*) FILTER (WHERE status IN ('exited', 'stopped')) AS exited,
       string_agg(DISTINCT exit_reason, ', ') FILTER (WHERE status = 'exited') AS why,
       (SELECT count(*) FROM events e WHERE e.type = 'email_sent' AND e.lead_id = ANY(:s)
          AND e.properties->>'sequence' = x.sequence) AS sent
FROM enrollments x WHERE lead_id = ANY(:s) GROUP BY sequence ORDER BY sequence
"""
SENT = """
SELECT e.occurred_at, l.email, l.timezone, e.properties->>'sequence' AS seq,
       e.properties->>'step' AS step, e.properties->>'subject' AS subject
FROM events e JOIN leads l ON l.id = e.lead_id
WHERE e.type = 'email_sent' AND e.source = 'nurture' AND e.lead_id = ANY(:s)
ORDER BY e.occurred_at DESC LIMIT 10
"""
HELD = """
SELECT properties->>'code' AS code, count(*) AS n, min(properties->>'reason') AS example
FROM events WHERE type = 'guardrail_held' AND lead_id = ANY(:s)
GROUP BY 1 ORDER BY n DESC
"""
REPLIES = """
SELECT r.received_at, l.email, r.label, r.action, left(r.body, 70) AS body
FROM replies r JOIN leads l ON l.id = r.lead_id WHERE r.lead_id = ANY(:s)
ORDER BY r.received_at DESC LIMIT 12
"""
DRAFTS = "SELECT status, count(*) FROM drafts WHERE lead_id = ANY(:s) GROUP BY status ORDER BY 1"
ESCALATIONS = "SELECT kind, count(*) FROM escalations WHERE lead_id = ANY(:s) GROUP BY 1 ORDER BY 1"
EXAMPLE = """
SELECT l.email, x.sequence FROM enrollments x JOIN leads l ON l.id = x.lead_id
WHERE x.lead_id = ANY(:s) AND x.status = 'active' ORDER BY x.id LIMIT 1
"""


def _rows(session, sql: str, sample: list[int]):
    return session.execute(text(sql), {"s": sample}).all()


def show_month(console, session, result: dict, outbox_dir) -> None:
    """Print the month: sequences, sent, held and why, replies, drafts, escalations."""
    sample = result["sample"]
    console.rule("[bold]A simulated month through the playbooks")
    console.print(
        f"{result['start']:%d %b} → {result['end']:%d %b %Y}, hour by hour, for {len(sample)} "
        f"sample leads ({result['paused']} other enrollments were paused for the month and are "
        "active again: `nurture worker --until-idle` takes them on)"
    )
    seqs = Table(
        "sequence",
        "enrolled",
        "open",
        "completed",
        "exited",
        "exit reasons",
        "sent",
        title="Sequences",
    )
    for r in _rows(session, SEQUENCES, sample):
        seqs.add_row(
            r.sequence,
            *(str(v) for v in (r.enrolled, r.open, r.completed, r.exited)),
            r.why or "",
            str(r.sent),
        )
    console.print(seqs)
    sent = Table("sent (lead's time)", "to", "step", "subject", title="Sent (latest 10)")
    for r in _rows(session, SENT, sample):
        from zoneinfo import ZoneInfo

        local = r.occurred_at.astimezone(ZoneInfo(r.timezone or "UTC"))
        sent.add_row(f"{local:%a %d %b %H:%M}", r.email, f"{r.seq} #{r.step}", r.subject or "")
    console.print(sent)
    held = Table("code", "times", "for example", title="Held or stopped, and why")
    for r in _rows(session, HELD, sample):
        held.add_row(r.code, str(r.n), r.example or "")
    console.print(held)
    replies = Table("received", "from", "label → action", "reply", title="Replied")
    for r in _rows(session, REPLIES, sample):
        handled = f"{r.label} → {r.action}" if r.label else "(no classifier: fallback exit)"
        replies.add_row(f"{r.received_at:%d %b %H:%M}", r.email, handled, r.body.replace("\n", " "))
    console.print(replies)
    drafts = ", ".join(f"{n} {status}" for status, n in _rows(session, DRAFTS, sample))
    alerts = ", ".join(f"{n} {kind}" for kind, n in _rows(session, ESCALATIONS, sample))
    files = len(list(outbox_dir.glob("*.eml"))) if outbox_dir.exists() else 0
    console.print(f"drafts: {drafts or 'none'} · escalations: {alerts or 'none'}")
    console.print(f"{files} emails in the file outbox: {outbox_dir}")
    example = _rows(session, EXAMPLE, sample)
    if example:
        console.print(
            f"explain any lead: `nurture simulate {example[0].sequence} --lead {example[0].email}`"
        )
