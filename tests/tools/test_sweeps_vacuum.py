"""The worker's vacuum of the tables scoring rewrites in place (tools/sweeps.py)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.db import make_engine
from tools.sweeps import run_sweeps, vacuum_rewritten

COUNT = "SELECT count(*) FROM leads WHERE source = 'webinar'"  # a segment count's shape


def _heap_fetches(session: Session) -> int:
    """Rows an index-only count of the webinar leads had to read from the table itself."""
    session.execute(text("SET LOCAL enable_seqscan = off"))
    session.execute(text("SET LOCAL enable_bitmapscan = off"))
    plan = session.execute(text(f"EXPLAIN (ANALYZE, FORMAT JSON) {COUNT}")).scalar_one()
    session.rollback()
    scan = plan[0]["Plan"]["Plans"][0]
    assert scan["Node Type"] == "Index Only Scan"
    return scan["Heap Fetches"]


def test_the_sweeps_vacuum_what_scoring_rewrote_so_counts_stay_index_only(fresh_db_url):
    engine = make_engine(fresh_db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO leads (email, source) "
                    "SELECT 'v' || g || '@example.com', 'webinar' FROM generate_series(1, 300) g"
                )
            )
        with Session(engine) as session:
            assert vacuum_rewritten(session) == ["leads", "lead_behaviour"]
            assert _heap_fetches(session) == 0
            session.execute(text("UPDATE leads SET score = score + 5"))  # as a scoring pass does
            session.commit()
            assert _heap_fetches(session) >= 300  # every page lost its all-visible mark
            done = run_sweeps(session)
            assert done["vacuum"] == ["leads", "lead_behaviour"]
            assert _heap_fetches(session) == 0
            assert "vacuum" not in run_sweeps(session)  # once per period, whoever asks
    finally:
        engine.dispose()
