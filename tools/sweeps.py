"""Periodic jobs the worker runs: pending ingestion, re-engagement, daily decay, draft reviews,
and a vacuum of the tables scoring rewrites in place.

Any worker may run a job; `claim_job` makes sure only one does per period, across machines: the
job's row in `worker_jobs` is advanced with a conditional upsert, and only the winner runs it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from tools import clock
from tools.ingest import process_pending
from tools.rescore import rescore
from tools.triggers import sweep_reengagement
from tools.worker import resolve_reviews

log = logging.getLogger(__name__)
EVERY: dict[str, timedelta] = {
    "process_pending": timedelta(minutes=1),
    "reengagement": timedelta(hours=1),
    "decay": timedelta(days=1),
}
# Scoring rewrites `leads` and `lead_behaviour` rows in place (HOT updates: migrations 0011 and
# 0012). On-access pruning removes those dead row versions, so autovacuum's dead-row trigger
# seldom fires on them, yet each update clears its page's visibility-map bit, and nothing but a
# vacuum sets it again: segment counts, index-only scans, then visit the heap for more and more
# pages (31k heap fetches for one 140k-lead count after a daily decay pass at 1M leads). A vacuum
# reads only the pages not marked all-visible (0.4 s for that one). Timed by the wall clock:
# it is about the database, not business time (the demo runs a simulated month in a minute).
VACUUMED = ("leads", "lead_behaviour")
VACUUM_EVERY = timedelta(minutes=10)
_CLAIM = text(
    """
    INSERT INTO worker_jobs (job, last_run_at) VALUES (:job, :now)
    ON CONFLICT (job) DO UPDATE SET last_run_at = :now
    WHERE worker_jobs.last_run_at <= :now - :every OR worker_jobs.last_run_at > :now
    RETURNING job
    """
)


def claim_job(session: Session, job: str, every: timedelta, now: datetime) -> bool:
    """True (and committed) when this worker should run `job` now."""
    won = session.execute(_CLAIM, {"job": job, "now": now, "every": every}).first() is not None
    session.commit()
    return won


def run_sweeps(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """Run whichever periodic jobs are due; reviews are resolved on every pass."""
    now = now or clock.now()
    done: dict[str, Any] = {"reviews": resolve_reviews(session, now)}
    for job, every in EVERY.items():
        if not claim_job(session, job, every, now):
            continue
        try:
            if job == "process_pending":
                done[job] = process_pending(session)
            elif job == "reengagement":
                done[job] = sum(r.enrolled for r in sweep_reengagement(session, now))
                session.commit()
            elif job == "decay":
                done[job] = rescore(session, None, as_of=now, cause="decay")["changed"]
                session.commit()
        except Exception:  # one failing job must not stop sending; it runs again next period
            session.rollback()
            log.exception("periodic job %s failed", job)
    if claim_job(session, "vacuum", VACUUM_EVERY, datetime.now(UTC)):
        try:
            done["vacuum"] = vacuum_rewritten(session)
        except Exception:
            log.exception("periodic job vacuum failed")
    return done


def vacuum_rewritten(session: Session) -> list[str]:
    """VACUUM the tables scoring rewrites in place, on a connection of its own (VACUUM cannot
    run inside a transaction); tables another vacuum holds are skipped. The tables vacuumed."""
    engine = session.get_bind().engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM (SKIP_LOCKED) {', '.join(VACUUMED)}"))
    return list(VACUUMED)
