"""Lead facts: sentences with stable ids, incremental idempotent sync, per-lead retrieval."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from sqlalchemy import func, select, text

from agent.embeddings import LexicalEmbedder
from core.models import Fact
from tests.agent.conftest import NOW, hot_lead
from tests.factories import track
from tools.agent_tools import search_lead_history
from tools.facts import event_fact, profile_facts, store_facts, sync_lead_facts

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


def test_storing_facts_keeps_float32_embeddings_and_leaves_unchanged_rows_alone(session):
    lead, _ = hot_lead(session)
    rows = profile_facts(lead)
    assert store_facts(session, rows, EMBEDDER) == 2
    expected = EMBEDDER.embed([row.text for row in rows])
    stored = {f.fact_id: f for f in _facts(session, lead.id)}
    for row, vector in zip(rows, expected, strict=True):
        assert np.array_equal(np.asarray(stored[row.fact_id].embedding, np.float32), vector)

    def versions():
        return dict(session.execute(text("SELECT fact_id, ctid::text FROM facts")).all())

    before = versions()
    store_facts(session, rows, EMBEDDER)  # the same rows again: nothing rewritten
    assert versions() == before
    lead.title = "Chief Revenue Officer"
    store_facts(session, profile_facts(lead), EMBEDDER)
    session.expire_all()
    rewritten = versions()
    assert rewritten[f"lead-{lead.id}-title"] != before[f"lead-{lead.id}-title"]
    assert rewritten[f"lead-{lead.id}-company"] == before[f"lead-{lead.id}-company"]
    after = {f.fact_id: f for f in _facts(session, lead.id)}
    assert after[f"lead-{lead.id}-title"].text.endswith(
        "is Chief Revenue Officer at Brightline Logistics."
    )
    assert after[f"lead-{lead.id}-company"].text == stored[f"lead-{lead.id}-company"].text
