"""Agent bench set-up: the demo loaded into a bench database, and an offline runtime."""

from __future__ import annotations

from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from agent.embeddings import LexicalEmbedder
from agent.runtime import Runtime
from core.agent_settings import AgentSettings
from core.db import committed
from core.demo_data import generate
from tools.demo_loader import load_demo
from tools.rescore import rescore
from tools.segments import ensure_builtins


def load_demo_data(engine: Engine, leads: int, seed: int = 7) -> None:
    """Load the demo dataset through ingestion and score everyone (as `nurture demo` does)."""
    with Session(engine) as session:
        ensure_builtins(session)
        load_demo(session, generate(seed=seed, n_leads=leads))
        rescore(session, None, cause="rescore")
        session.commit()


def session_factory(engine: Engine):
    """Sessions committed on success (what Database.session gives the agent)."""
    sessions = sessionmaker(engine, expire_on_commit=False)
    return lambda: committed(sessions)


def offline_runtime(engine: Engine, checkpointer=None) -> Runtime:
    """An offline Runtime (no model key) on the bench database."""
    return Runtime(
        sessions=session_factory(engine),
        checkpointer=checkpointer or InMemorySaver(),
        embedder=LexicalEmbedder(),
        client=None,
        settings=AgentSettings(_env_file=None),
    )


def trigger_events(engine: Engine, limit: int) -> list[tuple[int, int]]:
    """(lead id, event id) of the latest trigger event of the hottest leads, one per lead."""
    sql = text(
        """
        SELECT DISTINCT ON (l.id) l.id, e.id AS event_id, l.score
        FROM leads l JOIN events e ON e.lead_id = l.id
        WHERE l.consent = 'subscribed' AND l.lifecycle_stage NOT IN
              ('customer', 'opportunity', 'closed_lost')
          AND (e.type IN ('demo_requested', 'content_downloaded', 'form_submitted',
                          'webinar_attended', 'trial_started', 'mql_reached')
               OR (e.type = 'page_viewed' AND e.category = 'pricing'))
        ORDER BY l.id, e.occurred_at DESC
        """
    )
    with engine.connect() as conn:
        rows = sorted(conn.execute(sql).all(), key=lambda r: -r.score)
    return [(r.id, r.event_id) for r in rows[:limit]]
