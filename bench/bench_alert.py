"""High-intent alert latency: POST /v1/track of the triggering event -> escalation row exists.

Starts a uvicorn server (separate process) on a bench database with the demo data loaded, then
for each of N demo leads: posts a first pricing view (setup, untimed), then times the second
pricing view (or a demo request, every other lead) from the start of the POST until a separate
connection sees the lead's `high_intent` escalation. Target: p95 <= 1 s.
Usage: python -m bench.bench_alert [--leads 1200] [--alerts 60]
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text

from bench.agent_setup import load_demo_data
from bench.common import API_KEY, api_server, bench_database, summary

PRICING = "https://nurture.example/pricing"


def _candidates(engine, n: int) -> list[str]:
    """Subscribed demo leads with no high-intent escalation yet (external ids)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT external_id FROM leads l WHERE consent = 'subscribed' "
                "AND external_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM escalations x "
                "WHERE x.lead_id = l.id AND x.kind = 'high_intent') ORDER BY id LIMIT :n"
            ),
            {"n": n},
        ).scalars()
        return list(rows)


def _alerted(engine, user_id: str) -> bool:
    with engine.connect() as conn:
        return (
            conn.execute(
                text(
                    "SELECT 1 FROM escalations x JOIN leads l ON l.id = x.lead_id "
                    "WHERE l.external_id = :u AND x.kind = 'high_intent'"
                ),
                {"u": user_id},
            ).first()
            is not None
        )


def main() -> None:
    """Time trigger -> alert for N leads and print p50/p95/max."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1200)
    parser.add_argument("--alerts", type=int, default=60)
    args = parser.parse_args()
    with bench_database("alert") as (url, engine):
        load_demo_data(engine, args.leads)
        base = "http://127.0.0.1:8766"
        timings, missed = [], 0
        headers = {"Authorization": f"Bearer {API_KEY}"}
        with api_server(url, 8766), httpx.Client(base_url=base, headers=headers) as http:
            for i, user in enumerate(_candidates(engine, args.alerts)):
                now = datetime.now(UTC)
                first = {
                    "userId": user,
                    "event": "Page Viewed",
                    "messageId": f"b-{user}-1",
                    "timestamp": (now - timedelta(hours=2)).isoformat(),
                    "properties": {"url": PRICING, "category": "pricing"},
                }
                http.post("/v1/track", json=first).raise_for_status()
                trigger = (
                    {**first, "messageId": f"b-{user}-2", "timestamp": now.isoformat()}
                    if i % 2 == 0
                    else {
                        "userId": user,
                        "event": "Demo Requested",
                        "messageId": f"b-{user}-d",
                        "timestamp": now.isoformat(),
                    }
                )
                started = time.perf_counter()
                http.post("/v1/track", json=trigger).raise_for_status()
                while not _alerted(engine, user):
                    if time.perf_counter() - started > 10:
                        missed += 1
                        break
                    time.sleep(0.005)
                else:
                    timings.append((time.perf_counter() - started) * 1000)
    print(f"high-intent event -> owner alert recorded: {summary(timings)}; missed: {missed}")


if __name__ == "__main__":
    main()
