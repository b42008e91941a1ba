"""Lead facts: sentences with stable ids, incremental idempotent sync, per-lead retrieval."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from agent.embeddings import LexicalEmbedder
from core.models import Fact
from tests.agent.conftest import NOW, hot_lead
from tests.factories import track
from tools.agent_tools import search_lead_history
from tools.facts import event_fact, sync_lead_facts

EMBEDDER = LexicalEmbedder()


def _facts(session, lead_id):
    return session.scalars(select(Fact).where(Fact.lead_id == lead_id).order_by(Fact.id)).all()


def test_events_become_dated_sentences_with_event_ids(session):
    lead, events = hot_lead(session)

    row = event_fact(lead, events[0])

    when = events[0].occurred_at
    assert row.fact_id == f"ev-{events[0].id}" and row.source == "content_downloaded:whitepaper"
    assert row.text == (
        f"Dana downloaded the whitepaper 'Speed-to-lead benchmarks for B2B teams' "
        f"on {when.day} {when:%B %Y}."
    )
    assert event_fact(lead, events[1]).text.startswith("Dana viewed the pricing page (/pricing) on")


def test_sync_is_incremental_and_idempotent(session):
    lead, _ = hot_lead(session)

    assert sync_lead_facts(session, lead.id, EMBEDDER) == 5  # 3 events + title + company
    assert sync_lead_facts(session, lead.id, EMBEDDER) == 0
    track(
        session,
        lead,
        "Webinar Attended",
        NOW,
        title="Scoring that sales trusts",
        minutes_watched=42,
    )
    lead.title = "VP Revenue Operations"
    session.flush()
    assert sync_lead_facts(session, lead.id, EMBEDDER) == 2  # the new event, the changed title

    facts = {f.fact_id: f for f in _facts(session, lead.id)}
    assert len(facts) == 6
    assert facts[f"lead-{lead.id}-title"].text == (
        "Dana Whitfield is VP Revenue Operations at Brightline Logistics."
    )
    assert all(len(f.embedding) == 384 for f in facts.values())


def test_history_search_ranks_by_meaning_and_never_crosses_leads(session):
    lead, _ = hot_lead(session)
    other, _ = hot_lead(session, user="other", first_name="Omar")
    track(session, other, "Demo Requested", NOW - timedelta(hours=1))
    for someone in (lead, other):
        sync_lead_facts(session, someone.id, EMBEDDER)

    found = search_lead_history(session, lead.id, "pricing page", EMBEDDER, k=3)

    ids = {f.fact_id for f in _facts(session, lead.id)}
    assert [f["fact_id"] for f in found] and {f["fact_id"] for f in found} <= ids
    assert "pricing page" in found[0]["text"]
    assert len(search_lead_history(session, lead.id, "demo", EMBEDDER, k=500)) == len(ids)
    count = session.scalar(select(func.count()).select_from(Fact).where(Fact.lead_id == other.id))
    assert count == 6
