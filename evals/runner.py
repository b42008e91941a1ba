"""Run eval suites, record provenance, apply the gate."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

from evals.gate import check, load_baseline, load_config
from evals.model import RunResult, SuiteResult
from evals.provenance import prompt_hashes

SUITES = ("replies", "trajectories", "safety", "drafts", "analytics")
# suites whose --backend openai run records and replays cassettes (evals/cassettes/)
RECORDABLE = ("replies", "drafts")


def run_suite(name: str, backend: str, *, record: bool = False) -> SuiteResult:
    """Run one suite by name (a suite whose code is missing reports itself skipped)."""
    if name not in SUITES:
        raise ValueError(f"unknown suite {name!r}; choose from {', '.join(SUITES)}")
    try:
        module = importlib.import_module(f"evals.suites.{name}")
    except ModuleNotFoundError as exc:
        return SuiteResult(name=name, metrics={}, skipped=f"suite not available ({exc.name})")
    if name in RECORDABLE:
        return module.run(backend, record=record)
    return module.run(backend)


def run(
    names: list[str] | None = None, backend: str = "offline", *, record: bool = False
) -> RunResult:
    """Run the suites and gate the result against config and baseline."""
    from core.llm_settings import LLMSettings

    model = LLMSettings().model_for("draft") if backend == "openai" else None
    suites = {name: run_suite(name, backend, record=record) for name in (names or list(SUITES))}
    result = RunResult(
        started_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        backend=backend,
        model=model,
        prompts=prompt_hashes(),
        suites=suites,
    )
    result.gate = check(result, load_config(), load_baseline())
    return result
