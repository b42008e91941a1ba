"""Exact-answer accuracy of `ask` on questions whose expected values come from independent SQL.

Each item of evals/datasets/analytics_eval.yaml has a question and `expect`, checked against the
answer: `value` (scalar SQL vs Answer.value), `numbers` (name -> scalar SQL vs Answer.numbers),
`breakdown` (SQL rows (key, value) vs Answer.numbers exactly), `ids` / `ordered_ids` (SQL vs the
answer's record ids, or the proposal's lead ids when `proposal` names its kind), `cannot: true`.
Period boundaries in the SQL are PostgreSQL expressions ({M0}, {PQ0}, ...; see MACROS), never the
agent's Python, and `:now` is the same clock the agent gets.

Usage: python -m evals.analytics_eval [--leads 1200] [--seed 7] [--threshold 0.95]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text
from sqlalchemy.orm import Session

from agent.analytics.ask import ask

DATASET = Path(__file__).resolve().parent / "datasets" / "analytics_eval.yaml"
NOW = "CAST(:now AS timestamptz)"
MACROS = {
    "{NOW}": NOW,
    "{M0}": f"date_trunc('month', {NOW}, 'UTC')",
    "{M1}": f"(date_trunc('month', {NOW}, 'UTC') + interval '1 month')",
    "{PM0}": f"(date_trunc('month', {NOW}, 'UTC') - interval '1 month')",
    "{Q0}": f"date_trunc('quarter', {NOW}, 'UTC')",
    "{Q1}": f"(date_trunc('quarter', {NOW}, 'UTC') + interval '3 months')",
    "{PQ0}": f"(date_trunc('quarter', {NOW}, 'UTC') - interval '3 months')",
    "{W0}": f"date_trunc('week', {NOW}, 'UTC')",
    "{PW0}": f"(date_trunc('week', {NOW}, 'UTC') - interval '1 week')",
    "{D7}": f"({NOW} - interval '7 days')",
    "{D30}": f"({NOW} - interval '30 days')",
    "{D60}": f"({NOW} - interval '60 days')",
}
TOLERANCE = 1e-6


@dataclass
class ItemResult:
    """One question: did every check pass, which failed, and how long `ask` took."""

    id: str
    question: str
    ok: bool
    failures: list[str] = field(default_factory=list)
    ms: float = 0.0


@dataclass
class EvalReport:
    """Accuracy over the dataset, with the failing items."""

    items: list[ItemResult]

    @property
    def accuracy(self) -> float:
        """Share of items whose every check passed."""
        return sum(i.ok for i in self.items) / len(self.items) if self.items else 0.0

    def summary(self) -> str:
        """A few lines: accuracy, latency and each failure."""
        ms = [i.ms for i in self.items]
        lines = [
            f"analytics eval: {sum(i.ok for i in self.items)}/{len(self.items)} exact "
            f"({self.accuracy:.1%}), median {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms"
        ]
        lines += [
            f"  FAIL {i.id}: {i.question} -> {'; '.join(i.failures)}"
            for i in self.items
            if not i.ok
        ]
        return "\n".join(lines)


def load_items(path: Path = DATASET) -> list[dict]:
    """The dataset's items."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))["items"]


def expand(sql: str) -> str:
    """SQL with the period macros replaced by PostgreSQL expressions."""
    for name, expression in MACROS.items():
        sql = sql.replace(name, expression)
    return sql


def _scalar(session: Session, sql: str, now: datetime) -> Any:
    value = session.execute(text(expand(sql)), {"now": now}).scalar()
    return None if value is None else float(value)


def _rows(session: Session, sql: str, now: datetime) -> list:
    return session.execute(text(expand(sql)), {"now": now}).all()


def _same(actual: Any, expected: Any, tolerance: float) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    return abs(float(actual) - float(expected)) <= tolerance


def check(session: Session, item: dict, answer, now: datetime) -> list[str]:
    """Every failed check of one item (empty when the answer is exactly right)."""
    expect, tol = item["expect"], item.get("tolerance", TOLERANCE)
    if expect.get("cannot"):
        return (
            [] if answer.kind == "cannot_answer" else [f"expected CannotAnswer, got {answer.text}"]
        )
    if answer.kind == "cannot_answer":
        return [f"cannot answer: {answer.reason}"]
    failures = []
    if "value" in expect and not _same(
        answer.value, want := _scalar(session, expect["value"], now), tol
    ):
        failures.append(f"value {answer.value} != {want}")
    for name, sql in expect.get("numbers", {}).items():
        if not _same(answer.numbers.get(name), want := _scalar(session, sql, now), tol):
            failures.append(f"{name} {answer.numbers.get(name)} != {want}")
    if "breakdown" in expect:
        want = {
            str(k): None if v is None else float(v)
            for k, v in _rows(session, expect["breakdown"], now)
        }
        got = {k: v for k, v in answer.numbers.items() if not k.endswith("_previous")}
        if set(got) != set(want) or any(not _same(got[k], want[k], tol) for k in want):
            failures.append(f"breakdown {got} != {want}")
    ids = answer.proposal.lead_ids if expect.get("proposal") else answer.record_ids
    if expect.get("proposal") and (
        not answer.proposal or answer.proposal.kind != expect["proposal"]
    ):
        failures.append(f"expected a {expect['proposal']} proposal")
    if "ids" in expect and set(ids) != {r[0] for r in _rows(session, expect["ids"], now)}:
        failures.append(f"ids differ ({len(ids)} returned)")
    if "ordered_ids" in expect and ids != [
        r[0] for r in _rows(session, expect["ordered_ids"], now)
    ]:
        failures.append(f"ordered ids differ: {ids[:10]}")
    return failures


def run(
    session: Session, items: list[dict], *, now: datetime | None = None, backend: Any = "offline"
) -> EvalReport:
    """Ask every question and check it; one clock for the agent and the expected SQL."""
    now = now or datetime.now(UTC)
    results = []
    for item in items:
        started = time.perf_counter()
        answer = ask(
            session,
            item["question"],
            backend=backend,
            previous=item.get("previous"),
            now=now,
            secret="eval-secret",
        )
        ms = (time.perf_counter() - started) * 1000
        failures = check(session, item, answer, now)
        results.append(ItemResult(item["id"], item["question"], not failures, failures, ms))
    return EvalReport(results)


def main() -> None:
    """Load the demo into a private embedded database, run the eval, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=0.95)
    args = parser.parse_args()
    from bench.common import bench_database
    from core.demo_data import generate
    from tools.demo_loader import load_demo
    from tools.rescore import rescore
    from tools.segments import ensure_builtins

    with bench_database("analytics-eval") as (_, engine), Session(engine) as session:
        ensure_builtins(session)
        load_demo(session, generate(seed=args.seed, n_leads=args.leads))
        rescore(session, None)
        session.commit()
        report = run(session, load_items())
    print(report.summary())
    raise SystemExit(0 if report.accuracy >= args.threshold else 1)


if __name__ == "__main__":
    main()
