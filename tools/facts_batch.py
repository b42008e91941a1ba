"""tools.facts for a batch of leads: one sync pass and one nearest-facts query for all of them.

The results are the single-lead functions' (`sync_lead_facts`, `nearest_facts`) row for row; only
the round trips are shared, so the worker's batch drafting costs a few queries per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Text, and_, any_, cast, exists, select, text
from sqlalchemy.dialects.postgresql import ARRAY
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
        Event.lead_id == any_(cast(ids, ARRAY(BigInteger))),
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
            select(Fact.fact_id, Fact.text).where(
                Fact.lead_id == any_(cast(ids, ARRAY(BigInteger))), Fact.kind == "profile"
            )
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
        .where(Fact.fact_id == any_(cast(sorted({fid for _, fid in pairs}), ARRAY(Text))))
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
    WITH v AS (
        SELECT i, CAST(vector AS vector) AS vector
        FROM unnest(CAST(:vectors AS text[])) WITH ORDINALITY AS v(vector, i)
    )
    SELECT q.n, f.fact_id, f.kind, f.text, f.source, f.occurred_at
    FROM unnest(CAST(:leads AS bigint[]), CAST(:queries AS bigint[]))
         WITH ORDINALITY AS q(lead_id, query, n)
    JOIN v ON v.i = q.query
    CROSS JOIN LATERAL (
        SELECT fact_id, kind, text, source, occurred_at, embedding <=> v.vector AS distance
        FROM facts WHERE lead_id = q.lead_id ORDER BY distance, fact_id LIMIT :k
    ) f
    ORDER BY q.n, f.distance, f.fact_id
    """
)


def nearest_facts_for(
    session: Session, queries: Sequence[tuple[int, Sequence[float]]], k: int
) -> list[list[dict[str, Any]]]:
    """For each (lead id, query vector), that lead's k nearest facts (`nearest_facts` each).

    Each distinct query vector (by identity: the batch shares one per query text) is formatted
    and parsed once.
    """
    found: list[list[dict[str, Any]]] = [[] for _ in queries]
    if not queries:
        return found
    index: dict[int, int] = {}
    literals: list[str] = []
    for _, vector in queries:
        if id(vector) not in index:
            index[id(vector)] = len(literals) + 1
            literals.append(vector_literal(vector))
    params = {
        "leads": [lead_id for lead_id, _ in queries],
        "queries": [index[id(vector)] for _, vector in queries],
        "vectors": literals,
        "k": k,
    }
    for row in session.execute(_NEAREST_FOR_QUERIES, params):
        values = dict(row._mapping)
        found[values.pop("n") - 1].append(values)
    return found
