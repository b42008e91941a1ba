"""Worker throughput: due sequence steps processed per second, with 1, 2 and 4 worker processes.

Seeds N leads, each with a due welcome step, in a bench database; then k worker processes (each
its own connection) race over them with `process_due` (FOR UPDATE SKIP LOCKED claims, guardrails,
drafting, recording) until nothing is due. Four drafters:
- batch: the real agent's batch path (agent.entry.run_steps: set-based IO, one commit a batch);
- agent: the real agent one step at a time (agent.entry.run_step, a graph run per step);
- stub: inserts the pending draft row the agent would (its transaction, no retrieval/writing);
- none: returns a thread id without writing anything: the worker's own machinery alone.
Every drafter uses the offline backend and one Runtime per process.
Usage: python -m bench.bench_worker [--leads 600] [--agent-leads 60] [--workers 1 2 4]
       [--kinds none stub batch agent] [--batch 100] [--profile PREFIX]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.common import bench_database
from core.db import make_engine

NOW = datetime(2026, 9, 16, 13, 30, tzinfo=UTC)  # a Wednesday, 09:30 in New York


_LEADS = text(
    """
    INSERT INTO leads (email, first_name, last_name, title, company, industry, country,
                       timezone, company_size, owner_rep_id)
    SELECT 'lead' || g || '@bench.example', 'Ann', 'Lee', 'VP Marketing', 'Acme ' || g, 'saas',
           'US', 'America/New_York', 120, (SELECT id FROM reps)
    FROM generate_series(1, :n) g
    """
)
_ENROLLMENTS = text(
    """
    INSERT INTO enrollments (lead_id, sequence, sequence_version, track, status, current_step,
                             next_due_at, enrolled_at, trigger)
    SELECT id, 'welcome', 1, 'main', 'active', 0, :due, :due, 'bench' FROM leads
    """
)


def seed(engine, n: int) -> None:
    """n complete New York leads with a welcome step due now; earlier runs' work removed."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE drafts, outbox, enrollments, events, leads, reps CASCADE"))
        conn.execute(
            text(
                "INSERT INTO reps (name, email, territory, product_lines, capacity, is_approver) "
                "VALUES ('Bench Rep', 'rep@bench.example', '{US}', '{core}', 1000000, true)"
            )
        )
        conn.execute(_LEADS, {"n": n})
        conn.execute(_ENROLLMENTS, {"due": NOW - timedelta(minutes=1)})


def stub_drafter(session: Session):
    """Insert the pending draft the agent would (same row, no retrieval or writing)."""
    from tools.drafts import create_draft

    def draft(enrollment_id: int, *, purpose: str, sequence: str, step: int):
        lead_id = session.scalar(
            text("SELECT lead_id FROM enrollments WHERE id = :id"), {"id": enrollment_id}
        )
        thread = f"lead-{lead_id}:seq-{sequence}:enr-{enrollment_id}:step-{step}"
        row = create_draft(
            session,
            lead_id=lead_id,
            thread_id=thread,
            revision=1,
            trigger="sequence_step",
            sequence=sequence,
            step=step,
            purpose=purpose,
            subject="Hello",
            body="Hi there",
        )
        session.commit()
        return type("Outcome", (), {"draft_id": row.id, "status": "pending", "thread_id": thread})

    return draft


def work(url: str, kind: str, start, counts, batch: int, profile: str | None = None) -> None:
    """One worker process: loop process_due until nothing is due (under cProfile if `profile`)."""
    from tools.worker import process_due

    engine = make_engine(url, pool_size=2)
    with Session(engine, expire_on_commit=False) as session:
        batch_drafter, limit = None, 25
        if kind in ("agent", "batch"):
            from agent.entry import run_step, run_steps
            from agent.runtime import open_runtime
            from core.db import Database
            from core.settings import Settings

            db = Database(Settings(DATABASE_URL=url, _env_file=None)).start(run_migrations=False)
            ctx = open_runtime(db)
            rt = ctx.__enter__()
            drafter = lambda eid, **kw: run_step(rt, eid, **kw)  # noqa: E731
            if kind == "batch":
                batch_drafter, limit = (lambda steps: run_steps(rt, steps)), batch
        elif kind == "stub":
            drafter = stub_drafter(session)
        else:
            outcome = type("Outcome", (), {"draft_id": None, "status": "pending", "thread_id": "t"})
            drafter = lambda eid, **kw: outcome  # noqa: E731
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
        start.wait()
        done = 0
        if profiler:
            profiler.enable()
        while (
            n := process_due(
                session, drafter, now=NOW, limit=limit, batch_drafter=batch_drafter
            ).claimed
        ) > 0:
            done += n
        if profiler:
            profiler.disable()
            profiler.dump_stats(f"{profile}.{os.getpid()}")
        counts.put(done)


def run(
    url: str, engine, kind: str, n: int, workers: int, batch: int = 100, profile: str | None = None
) -> float:
    """Seed n due steps and time `workers` processes draining them; steps per second."""
    seed(engine, n)
    ctx = mp.get_context("spawn")
    start, counts = ctx.Barrier(workers + 1), ctx.Queue()
    procs = [
        ctx.Process(target=work, args=(url, kind, start, counts, batch, profile))
        for _ in range(workers)
    ]
    for proc in procs:
        proc.start()
    start.wait()
    began = time.perf_counter()
    total = sum(counts.get(timeout=900) for _ in procs)
    elapsed = time.perf_counter() - began
    for proc in procs:
        proc.join()
    assert total == n, (total, n)
    with engine.connect() as conn:
        drafts = conn.execute(text("SELECT count(*) FROM drafts")).scalar()
        waiting = conn.execute(
            text("SELECT count(*) FROM enrollments WHERE waiting_thread_id IS NOT NULL")
        ).scalar()
    assert waiting == n and drafts == (0 if kind == "none" else n), (waiting, drafts, n)
    return n / elapsed


def main() -> None:
    """Print steps/s per worker count and drafter, and the speed-up over one worker."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=600)
    parser.add_argument("--agent-leads", type=int, default=60)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--kinds", nargs="+", default=["none", "stub", "batch", "agent"])
    parser.add_argument("--batch", type=int, default=100, help="steps per claim (batch drafter)")
    parser.add_argument(
        "--profile", metavar="PREFIX", help="cProfile each worker into PREFIX.<pid> (slower)"
    )
    args = parser.parse_args()
    sizes = {"none": args.leads, "stub": args.leads, "batch": args.leads, "agent": args.agent_leads}
    with bench_database("worker") as (url, engine):
        for kind in args.kinds:
            n, base = sizes[kind], None
            for k in args.workers:
                rate = run(url, engine, kind, n, k, args.batch, args.profile)
                base = base or rate
                print(
                    f"{kind:5} drafter, {k} worker(s): {rate:7.1f} steps/s total, "
                    f"{rate / k:7.1f} per worker, speed-up x{rate / base:.2f} ({n} steps), "
                    f"load {os.getloadavg()[0]:.2f}"
                )


if __name__ == "__main__":
    main()
