"""tools.facts for a batch of leads: one sync pass and one nearest-facts query for all of them.

The results are the single-lead functions' (`sync_lead_facts`, `nearest_facts`) row for row; only
the round trips are shared, so the worker's batch drafting costs a few queries per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, exists, select, text
from sqlalchemy.orm import Session

from core.models import Event, Fact, Lead
from tools.facts import (
    FACT_EVENT_TYPES,
    TextEmbedder,
    event_fact,
    profile_facts,
    store_facts,
    vector_literal,
)


def sync_facts_for_leads(session: Session, leads: Sequence[Lead], embedder: TextEmbedder) -> int:
    """`sync_lead_facts` for every lead at once: new events and changed profile facts."""
    if not leads:
        return 0
    by_id = {lead.id: lead for lead in leads}
    ids = list(by_id)
    missing = select(Event).where(
        Event.lead_id.in_(ids),
        Event.type.in_(FACT_EVENT_TYPES),
        ~exists().where(and_(Fact.lead_id == Event.lead_id, Fact.event_id == Event.id)),
    )
    todo = [
        row
        for e in session.scalars(missing.order_by(Event.lead_id, Event.id))
        if (row := event_fact(by_id[e.lead_id], e))
    ]
    stored = dict(
        session.execute(
            select(Fact.fact_id, Fact.text).where(Fact.lead_id.in_(ids), Fact.kind == "profile")
        ).all()
    )
    for lead in leads:
        todo += [row for row in profile_facts(lead) if stored.get(row.fact_id) != row.text]
    return store_facts(session, todo, embedder)


def pinned_facts_for(session: Session, wanted: dict[int, list[str]]) -> dict[int, list[dict]]:
    """Per lead, its facts among the wanted ids (ordered by fact id, as the single path)."""
    pairs = [(lead_id, fid) for lead_id, fids in wanted.items() for fid in fids]
    found: dict[int, list[dict]] = {lead_id: [] for lead_id in wanted}
    if not pairs:
        return found
    rows = session.execute(
        select(Fact.lead_id, Fact.fact_id, Fact.kind, Fact.text, Fact.source, Fact.occurred_at)
        .where(Fact.fact_id.in_([fid for _, fid in pairs]))
        .order_by(Fact.lead_id, Fact.fact_id)
    )
    for row in rows:
        if row.lead_id in found and row.fact_id in wanted[row.lead_id]:
            values = dict(row._mapping)
            del values["lead_id"]
            found[row.lead_id].append(values)
    return found


_NEAREST_FOR_QUERIES = text(
    """
    SELECT q.n, f.fact_id, f.kind, f.text, f.source, f.occurred_at
    FROM unnest(CAST(:leads AS bigint[]), CAST(:queries AS text[]))
         WITH ORDINALITY AS q(lead_id, query, n)
    CROSS JOIN LATERAL (
        SELECT fact_id, kind, text, source, occurred_at,
               embedding <=> CAST(q.query AS vector) AS distance
        FROM facts WHERE lead_id = q.lead_id ORDER BY distance, fact_id LIMIT :k
    ) f
    ORDER BY q.n, f.distance, f.fact_id
    """
)


def nearest_facts_for(
    session: Session, queries: Sequence[tuple[int, Sequence[float]]], k: int
) -> list[list[dict[str, Any]]]:
    """For each (lead id, query vector), that lead's k nearest facts (`nearest_facts` each)."""
    found: list[list[dict[str, Any]]] = [[] for _ in queries]
    if not queries:
        return found
    params = {
        "leads": [lead_id for lead_id, _ in queries],
        "queries": [vector_literal(vector) for _, vector in queries],
        "k": k,
    }
    for row in session.execute(_NEAREST_FOR_QUERIES, params):
        values = dict(row._mapping)
        found[values.pop("n") - 1].append(values)
    return found
