"""Analytics suite: evals/analytics_eval.py (exact answers vs independent SQL) on the suite DB."""

from __future__ import annotations

from evals.analytics_eval import load_items
from evals.analytics_eval import run as run_eval
from evals.model import CaseResult, SuiteResult
from evals.provenance import dataset_version
from evals.suite_db import suite_db

DATASET = "analytics_eval.yaml"


def run(backend: str = "offline") -> SuiteResult:
    """Ask every question of the analytics dataset on the eval demo; metric `exact`."""
    env = suite_db("analytics")
    with env.db.session() as session:
        report = run_eval(session, load_items(), now=env.anchor, backend=backend)
        session.rollback()  # asking must not change anything
    cases = [
        CaseResult(
            id=item.id,
            passed=item.ok,
            failures=item.failures,
            input={"question": item.question},
            output={"ms": round(item.ms, 1)},
        )
        for item in report.items
    ]
    return SuiteResult(
        name="analytics",
        metrics={"exact": report.accuracy},
        cases=cases,
        datasets={DATASET: dataset_version(DATASET)},
    )
