"""Load the bulk demo rows (1M leads / 20M events at --scale 1) with COPY, indexes built after."""

from __future__ import annotations

import time

import psycopg
from sqlalchemy import make_url, text

from core.demo_data import iter_bulk_rows

LEAD_COLUMNS = (
    "id",
    "external_id",
    "email",
    "first_name",
    "last_name",
    "title",
    "persona",
    "company",
    "industry",
    "company_size",
    "country",
    "timezone",
    "source",
    "created_at",
)
EVENT_COLUMNS = ("lead_id", "type", "category", "asset_type", "occurred_at", "message_id")
SECONDARY_INDEXES = ("ix_events_lead_time", "ix_events_type_time", "ix_events_anonymous")
SENIORITY_SQL = """
UPDATE leads SET seniority = CASE
  WHEN title ~* '(intern|student|trainee)' THEN 'student'
  WHEN title ~* '(chief|founder|ceo|cto|cfo|coo|cmo|president|owner)' THEN 'c_level'
  WHEN title ~* '(^| )(vp|svp|evp)( |$)|vice president' THEN 'vp'
  WHEN title ~* '(director|head)' THEN 'director'
  WHEN title ~* '(manager|lead)' THEN 'manager'
  ELSE 'individual' END
"""


def psycopg_dsn(url: str) -> str:
    """A libpq DSN from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def load(url: str, engine, n_leads: int, events_per_lead: int = 20) -> dict[str, float]:
    """Truncate and load; returns timings in seconds."""
    timings: dict[str, float] = {}
    with engine.begin() as conn:
        conn.execute(
            text("TRUNCATE events, score_history, leads, accounts RESTART IDENTITY CASCADE")
        )
        for name in SECONDARY_INDEXES:
            conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
    leads, events = iter_bulk_rows(n_leads, events_per_lead)
    with psycopg.connect(psycopg_dsn(url)) as conn:
        started = time.perf_counter()
        with conn.cursor() as cur:
            with cur.copy(f"COPY leads ({', '.join(LEAD_COLUMNS)}) FROM STDIN") as copy:
                for row in leads:
                    copy.write_row(row)
            conn.commit()
            timings["copy_leads"] = time.perf_counter() - started
            started = time.perf_counter()
            columns = ", ".join(EVENT_COLUMNS)
            with cur.copy(f"COPY events ({columns}, source) FROM STDIN") as copy:
                for row in events:
                    copy.write_row((*row, "bulk"))
            conn.commit()
            timings["copy_events"] = time.perf_counter() - started
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(SENIORITY_SQL))
        # events were copied in behind the summaries' back: the next full rescore fills them
        conn.execute(text("UPDATE lead_behaviour SET summarised_at = NULL"))
        conn.execute(text("SELECT setval('leads_id_seq', (SELECT max(id) FROM leads))"))
        conn.execute(text("SET maintenance_work_mem = '1GB'"))
        conn.execute(text("CREATE INDEX ix_events_lead_time ON events (lead_id, occurred_at)"))
        conn.execute(
            text(
                "CREATE INDEX ix_events_type_time ON events (type, category, occurred_at, lead_id)"
            )
        )
        conn.execute(
            text(
                "CREATE INDEX ix_events_anonymous ON events (anonymous_id) "
                "WHERE anonymous_id IS NOT NULL"
            )
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE leads"))
        conn.execute(text("VACUUM ANALYZE events"))
    timings["index_analyze"] = time.perf_counter() - started
    return timings
