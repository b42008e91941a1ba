"""Per-lead history retrieval with 1M fact rows: btree filter on lead_id, exact cosine order.

Creates leads, then COPYs (binary) one million 384-d fact rows spread evenly over them and
interleaved on disk (each lead's facts on different pages, the realistic worst case), then times
`tools.facts.nearest_facts` (the query `search_lead_history` runs) for random leads.
Target p95 <= 10 ms. Usage: python -m bench.bench_history_retrieval [--facts 1000000]
"""

from __future__ import annotations

import argparse
import random
import re
import struct
import time

import numpy as np
import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

from agent.runtime import psycopg_url
from bench.common import bench_database, summary
from tools.facts import nearest_facts, vector_literal

DIM = 384
BATCH = 50_000
PG_EPOCH_US = 946_684_800 * 1_000_000  # 2000-01-01 in Unix microseconds
TEXT = b"Dana viewed the pricing page (/pricing) on 18 November 2026."
SOURCE = b"page_viewed:pricing"


def _rows(first_lead: int, leads: int, start: int, count: int, rng) -> bytes:
    """`count` binary COPY tuples (fact_id, lead_id, kind, text, source, occurred_at, embedding)."""
    row = np.dtype(
        [
            ("fields", ">i2"),
            ("l_id", ">i4"),
            ("fact_id", "S10"),
            ("l_lead", ">i4"),
            ("lead", ">i8"),
            ("l_kind", ">i4"),
            ("kind", "S5"),
            ("l_text", ">i4"),
            ("text", f"S{len(TEXT)}"),
            ("l_src", ">i4"),
            ("source", f"S{len(SOURCE)}"),
            ("l_at", ">i4"),
            ("at", ">i8"),
            ("l_vec", ">i4"),
            ("dim", ">i2"),
            ("unused", ">i2"),
            ("vec", ">f4", (DIM,)),
        ]
    )
    ids = np.arange(start, start + count)
    out = np.zeros(count, dtype=row)
    out["fields"] = 7
    out["l_id"], out["l_lead"], out["l_kind"], out["l_at"] = 10, 8, 5, 8
    out["fact_id"] = np.char.add(b"bf-", np.char.zfill(ids.astype("S7"), 7))
    out["lead"] = first_lead + ids % leads  # interleaved: a lead's rows sit far apart
    out["kind"], out["text"], out["source"] = b"event", TEXT, SOURCE
    out["l_text"], out["l_src"] = len(TEXT), len(SOURCE)
    out["at"] = 1_763_000_000 * 1_000_000 - PG_EPOCH_US + ids * 1_000_000
    out["l_vec"], out["dim"] = 4 + 4 * DIM, DIM
    vectors = rng.standard_normal((count, DIM), dtype=np.float32)
    out["vec"] = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return out.tobytes()


def load(url: str, facts: int, leads: int) -> tuple[int, float]:
    """Create the leads and COPY the facts; returns the first lead id and the load seconds."""
    rng = np.random.default_rng(7)
    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        first = conn.execute(
            "INSERT INTO leads (email) SELECT 'bench' || g || '@example.com' "
            "FROM generate_series(1, %s) g RETURNING id",
            (leads,),
        ).fetchall()[0][0]
        started = time.perf_counter()
        sql = (
            "COPY facts (fact_id, lead_id, kind, text, source, occurred_at, embedding) "
            "FROM STDIN (FORMAT BINARY)"
        )
        with conn.cursor() as cur, cur.copy(sql) as copy:
            copy.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
            for start in range(0, facts, BATCH):
                copy.write(_rows(first, leads, start, min(BATCH, facts - start), rng))
            copy.write(struct.pack(">h", -1))
        elapsed = time.perf_counter() - started
        conn.execute("ANALYZE facts")
    return first, elapsed


def server_ms(session: Session, lead_id: int, rng) -> float:
    """The query's execution time inside PostgreSQL, without client or scheduling overhead."""
    vector = rng.standard_normal(DIM)
    plan = session.execute(
        text(
            "EXPLAIN (ANALYZE, FORMAT JSON) SELECT fact_id FROM facts WHERE lead_id = :l "
            "ORDER BY embedding <=> CAST(:q AS vector) LIMIT 8"
        ),
        {"l": lead_id, "q": vector_literal(vector / np.linalg.norm(vector))},
    ).scalar()
    return plan[0]["Execution Time"]


def main() -> None:
    """Load the facts, explain the query plan once, then time random leads."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--reuse", action="store_true", help="keep the table a last run loaded")
    args = parser.parse_args()
    with bench_database("history-retrieval", fresh=not args.reuse) as (url, engine):
        with Session(engine) as session:
            first = session.scalar(text("SELECT min(lead_id) FROM facts"))
        if first is None:
            first, seconds = load(url, args.facts, args.leads)
            print(
                f"loaded {args.facts} facts for {args.leads} leads in {seconds:.1f} s "
                f"({args.facts / seconds:,.0f} rows/s, binary COPY)"
            )
        rng, pick = np.random.default_rng(11), random.Random(11)
        with Session(engine) as session:
            count = session.scalar(text("SELECT count(*) FROM facts"))
            query = rng.standard_normal(DIM).astype(np.float32)
            plan = (
                session.execute(
                    text(
                        "EXPLAIN (ANALYZE, BUFFERS) SELECT fact_id FROM facts WHERE lead_id = :l "
                        "ORDER BY embedding <=> CAST(:q AS vector) LIMIT 8"
                    ),
                    {"l": first + 1, "q": str(query.tolist())},
                )
                .scalars()
                .all()
            )
            timings = []
            for _ in range(args.queries):
                lead = first + pick.randrange(args.leads)
                query = rng.standard_normal(DIM).astype(np.float32)
                started = time.perf_counter()
                found = nearest_facts(session, lead, query / np.linalg.norm(query), 8)
                timings.append((time.perf_counter() - started) * 1000)
                assert len(found) == 8
            server = [
                server_ms(session, first + pick.randrange(args.leads), rng) for _ in range(100)
            ]
    print(f"facts table: {count} rows")
    print("plan:\n  " + "\n  ".join(re.sub(r"'\[[^\]]*\]'", "'[...]'", line) for line in plan))
    print(f"per-lead history retrieval (top 8 of ~{args.facts // args.leads}): {summary(timings)}")
    print(f"  of which PostgreSQL execution (EXPLAIN ANALYZE): {summary(server)}")


if __name__ == "__main__":
    main()
