"""The gate: thresholds, maximum drops against the baseline, and stale prompt hashes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from evals.model import RunResult, SuiteResult

CONFIG = Path(__file__).resolve().parent / "config.yaml"
BASELINE = Path(__file__).resolve().parent / "baseline.json"


def load_config(path: Path = CONFIG) -> dict[str, Any]:
    """Per-suite thresholds and max drops."""
    return yaml.safe_load(path.read_text())["suites"]


def load_baseline(path: Path = BASELINE) -> dict[str, Any]:
    """The committed baseline ({} when there is none yet)."""
    return json.loads(path.read_text()) if path.exists() else {}


def rules_for(config: dict[str, Any], suite: SuiteResult) -> dict[str, dict[str, float]]:
    """A suite's thresholds and max drops; its `judge` rules count only when the judge ran."""
    rules = config.get(suite.name, {})
    merged = {key: dict(rules.get(key, {})) for key in ("thresholds", "max_drop")}
    if suite.details.get("judge", {}).get("ran"):
        for key in merged:
            merged[key].update(rules.get("judge", {}).get(key, {}))
    return merged


def baseline_suites(baseline: dict[str, Any], backend: str) -> dict[str, Any]:
    """The baseline's suites for a backend: live runs (openai) keep their own under `live`."""
    if backend == "openai":
        return baseline.get("live", {}).get("suites", {})
    return baseline.get("suites", {})


def check(run: RunResult, config: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    """Every reason the run must not pass; empty means the gate is open."""
    problems: list[str] = []
    known = baseline.get("prompts", {})
    for name, digest in run.prompts.items():
        if name not in known:
            problems.append(f"prompt {name} is new: run `nurture eval --update-baseline`")
        elif known[name] != digest:
            problems.append(
                f"prompt {name} changed (hash {digest} vs baseline {known[name]}) without "
                "re-running evals: run `nurture eval --update-baseline` and commit the diff"
            )
    for name in set(known) - set(run.prompts):
        problems.append(f"prompt {name} was removed: run `nurture eval --update-baseline`")
    for suite_name, suite in run.suites.items():
        if suite.skipped:
            continue
        rules = rules_for(config, suite)
        base = baseline_suites(baseline, run.backend).get(suite_name, {}).get("metrics", {})
        for metric, minimum in rules["thresholds"].items():
            value = suite.metrics.get(metric)
            if value is None:
                problems.append(f"{suite_name}.{metric} was not measured")
            elif value < minimum:
                problems.append(f"{suite_name}.{metric} = {value:.3f} is under {minimum:.3f}")
        for metric, allowed in rules["max_drop"].items():
            if metric in base and metric in suite.metrics:
                drop = base[metric] - suite.metrics[metric]
                if drop > allowed + 1e-9:
                    problems.append(
                        f"{suite_name}.{metric} dropped {drop:.3f} (from {base[metric]:.3f} to "
                        f"{suite.metrics[metric]:.3f}); at most {allowed:.3f} allowed"
                    )
    return problems


def baseline_from(run: RunResult, previous: dict[str, Any]) -> dict[str, Any]:
    """A new baseline: this run's metrics (suites not run keep their previous entry).

    A live run (openai) only rewrites the `live` section: the offline suites and the prompt
    hashes they were measured with stay as they were.
    """
    suites = dict(baseline_suites(previous, run.backend))
    for name, suite in run.suites.items():
        if not suite.skipped:
            suites[name] = {
                "metrics": {k: round(v, 4) for k, v in sorted(suite.metrics.items())},
                "datasets": suite.datasets,
            }
    suites = dict(sorted(suites.items()))
    if run.backend == "openai":
        return previous | {"live": {"model": run.model, "suites": suites}}
    return previous | {"backend": run.backend, "prompts": run.prompts, "suites": suites}


def write_baseline(data: dict[str, Any], path: Path = BASELINE) -> None:
    """Write the baseline as stable, reviewable JSON."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
