"""A lead's history as short, citable fact sentences with stable ids, embedded into `facts`.

Event facts are named after their event ("ev-123"), profile facts after the lead and field
("lead-45-title"). `sync_lead_facts` indexes only what is new or changed, so it is cheap to call
right before drafting; upserts by fact_id make it idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import urlparse

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from sqlalchemy import exists, select, text
from sqlalchemy.orm import Session

from core.models import Event, Fact, Lead

MAX_VALUE = 120  # characters kept from any event property (titles, urls, notes)


class TextEmbedder(Protocol):
    """Anything that turns texts into an (n, 384) array of unit rows (agent.embeddings)."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts."""
        ...


@dataclass(frozen=True)
class FactRow:
    """One fact sentence ready to embed and store."""

    fact_id: str
    lead_id: int
    event_id: int | None
    kind: str
    text: str
    source: str
    occurred_at: datetime | None


def _value(props: dict[str, Any], *keys: str) -> str:
    """The first non-empty property among `keys`, trimmed to MAX_VALUE characters."""
    for key in keys:
        value = props.get(key)
        if value not in (None, ""):
            return " ".join(str(value).split())[:MAX_VALUE]
    return ""


def _path(url: str) -> str:
    """The path of a URL ("/pricing"), or the URL itself when it has none."""
    return urlparse(url).path or url if url else ""


_PAGE_NAMES = {
    "pricing": "the pricing page",
    "product": "a product page",
    "case_study": "a case study page",
    "comparison": "a comparison page",
    "careers": "the careers page",
    "blog": "a blog post",
    "guide": "a guide",
    "docs": "the documentation",
}


def _page(who: str, e: Event, p: dict) -> str:
    where = _PAGE_NAMES.get(e.category or "", "a page")
    path = _path(_value(p, "url"))
    return f"{who} viewed {where}{f' ({path})' if path else ''}"


def _asset(who: str, e: Event, p: dict) -> str:
    kind = (e.asset_type or "resource").replace("_", " ")
    title = _value(p, "title", "asset")
    verb = "requested" if e.type == "form_submitted" else "downloaded"
    return f"{who} {verb} the {kind} '{title}'" if title else f"{who} {verb} a {kind}"


def _email(who: str, e: Event, p: dict) -> str:
    campaign = _value(p, "campaign", "subject")
    named = f" '{campaign}'" if campaign else ""
    if e.type == "email_sent":
        return f"We sent {who} the email{named}"
    if e.type == "email_clicked":
        link = (_value(p, "link") or _path(_value(p, "url"))).replace("_", " ")
        return f"{who} clicked {f'the {link} link' if link else 'a link'} in the email{named}"
    return f"{who} opened the email{named}"


def _webinar(who: str, e: Event, p: dict) -> str:
    title = _value(p, "title", "webinar")
    if e.type == "webinar_registered":
        return f"{who} registered for the webinar '{title}'"
    minutes = p.get("minutes_watched")
    watched = f" and watched {int(minutes)} minutes" if isinstance(minutes, int | float) else ""
    return f"{who} attended the webinar '{title}'{watched}"


RENDERERS: dict[str, Callable[[str, Event, dict], str]] = {
    "page_viewed": _page,
    "form_submitted": _asset,
    "content_downloaded": _asset,
    "email_sent": _email,
    "email_opened": _email,
    "email_clicked": _email,
    "webinar_registered": _webinar,
    "webinar_attended": _webinar,
    "demo_requested": lambda who, e, p: f"{who} requested a demo",
    "trial_started": lambda who, e, p: f"{who} started a free trial",
    "meeting_booked": lambda who, e, p: f"{who} booked a meeting",
    "reply_received": lambda who, e, p: f"{who} replied to one of our emails",
    "mql_reached": lambda who, e, p: f"{who} became a marketing-qualified lead",
    "crm_stage_changed": lambda who, e, p: (
        f"{who} moved to the CRM stage {_value(p, 'stage').replace('_', ' ')}"
    ),
}
FACT_EVENT_TYPES = tuple(RENDERERS)


def event_fact(lead: Lead, event: Event) -> FactRow | None:
    """The fact sentence for one event ("Dana viewed the pricing page on 18 November 2026.")."""
    render = RENDERERS.get(event.type)
    if render is None:
        return None
    who = lead.first_name or "The lead"
    sentence = render(who, event, event.properties or {})
    when = event.occurred_at
    source = f"{event.type}:{event.category or event.asset_type or event.source}"
    return FactRow(
        f"ev-{event.id}",
        lead.id,
        event.id,
        "event",
        f"{sentence} on {when.day} {when:%B %Y}.",
        source,
        when,
    )


def profile_facts(lead: Lead) -> list[FactRow]:
    """Who the lead is: name, title and company, and what kind of company it is."""
    rows = []
    if lead.title or lead.company:
        role = f" is {lead.title}" if lead.title else " works"
        at = f" at {lead.company}" if lead.company else ""
        rows.append(("title", f"{lead.full_name}{role}{at}.", "lead.title"))
    if lead.company and (lead.industry or lead.company_size):
        industry = f"{lead.industry.replace('_', ' ')} " if lead.industry else ""
        size = f" with {lead.company_size} employees" if lead.company_size else ""
        rows.append(("company", f"{lead.company} is a {industry}company{size}.", "lead.company"))
    return [
        FactRow(f"lead-{lead.id}-{name}", lead.id, None, "profile", sentence, source, None)
        for name, sentence, source in rows
    ]


def sync_lead_facts(session: Session, lead_id: int, embedder: TextEmbedder) -> int:
    """Embed and store the lead's events not indexed yet and its changed profile facts."""
    lead = session.get(Lead, lead_id)
    if lead is None:
        return 0
    missing = select(Event).where(
        Event.lead_id == lead_id,
        Event.type.in_(FACT_EVENT_TYPES),
        ~exists().where(Fact.lead_id == lead_id, Fact.event_id == Event.id),
    )
    todo = [
        row for e in session.scalars(missing.order_by(Event.id)) if (row := event_fact(lead, e))
    ]
    stored = dict(
        session.execute(
            select(Fact.fact_id, Fact.text).where(Fact.lead_id == lead_id, Fact.kind == "profile")
        ).all()
    )
    todo += [row for row in profile_facts(lead) if stored.get(row.fact_id) != row.text]
    return store_facts(session, todo, embedder)


_STORE_FACTS = """
INSERT INTO facts (fact_id, lead_id, event_id, kind, text, source, occurred_at, embedding)
SELECT * FROM unnest(%(fact_ids)s::text[], %(lead_ids)s::bigint[], %(event_ids)s::bigint[],
                     %(kinds)s::text[], %(texts)s::text[], %(sources)s::text[],
                     %(occurred)s::timestamptz[], %(embeddings)b::vector[])
ON CONFLICT (fact_id) DO UPDATE
SET text = EXCLUDED.text, embedding = EXCLUDED.embedding, source = EXCLUDED.source,
    occurred_at = EXCLUDED.occurred_at
WHERE (facts.text, facts.source, facts.occurred_at, facts.embedding)
      IS DISTINCT FROM (EXCLUDED.text, EXCLUDED.source, EXCLUDED.occurred_at, EXCLUDED.embedding)
"""


def vector_connection(session: Session) -> psycopg.Connection:
    """The session's psycopg connection (same transaction), with pgvector's adapters on it.

    Embeddings then travel in pgvector's binary form (float32 as stored) instead of text that
    the client must format and the server parse.
    """
    conn = session.connection().connection.driver_connection
    if conn.adapters.types.get("vector") is None:
        register_vector(conn)
    return conn


def store_facts(session: Session, rows: Sequence[FactRow], embedder: TextEmbedder) -> int:
    """Embed `rows` and upsert them by fact_id in one statement (one array per column).

    A stored fact whose text, source, date and embedding already match is left as it is.
    """
    if not rows:
        return 0
    vectors = np.asarray(embedder.embed([row.text for row in rows]), dtype=np.float32)
    params = {
        "fact_ids": [row.fact_id for row in rows],
        "lead_ids": [row.lead_id for row in rows],
        "event_ids": [row.event_id for row in rows],
        "kinds": [row.kind for row in rows],
        "texts": [row.text for row in rows],
        "sources": [row.source for row in rows],
        "occurred": [row.occurred_at for row in rows],
        "embeddings": list(vectors),
    }
    vector_connection(session).execute(_STORE_FACTS, params)
    return len(rows)


@lru_cache(maxsize=4)
def _literal_format(dimensions: int) -> str:
    """A %-format for a vector literal of this many dimensions (one C-level format call)."""
    return "[" + ",".join(["%.6g"] * dimensions) + "]"


def vector_literal(vector: Sequence[float]) -> str:
    """A pgvector text literal ("[0.1,0.2,...]") for a bound parameter cast to vector."""
    values = vector.tolist() if isinstance(vector, np.ndarray) else [float(x) for x in vector]
    return _literal_format(len(values)) % tuple(values)


_NEAREST_FACTS = text(
    "SELECT fact_id, kind, text, source, occurred_at, event_id, "
    "embedding <=> CAST(:query AS vector) AS distance "
    "FROM facts WHERE lead_id = :lead_id ORDER BY distance, fact_id LIMIT :k"
)


def nearest_facts(
    session: Session, lead_id: int, query_vector: Sequence[float], k: int
) -> list[dict[str, Any]]:
    """The lead's k facts closest to the query: btree filter on lead_id, exact cosine order
    (ties by fact id, so the batch path in tools/facts_batch.py returns the same rows)."""
    params = {"lead_id": lead_id, "query": vector_literal(query_vector), "k": k}
    return [dict(row._mapping) for row in session.execute(_NEAREST_FACTS, params)]
