"""Replies suite: per-label precision/recall/F1, confusion matrix and extraction accuracy.

Offline it measures the offline classifier (tools/classify.py) on replies_eval.jsonl. With
--backend openai it measures the product's LLM path (agent/classify.py: offline cross-check,
agent/classify_llm.py, prompts/classify_reply.yaml) through evals/live.py: live over every reply
with a key, recorded (--record) or replayed (no key) over the live subset in replies_live.yaml.
"""

from __future__ import annotations

from collections.abc import Callable

import yaml

from evals.model import CaseResult, SuiteResult
from evals.provenance import DATASETS, dataset_version
from evals.replies_metrics import DEFAULT_DATASET, evaluate, load_dataset

LIVE_DATASET = "replies_live.yaml"  # the replies --backend openai records and replays
CASSETTE = "replies_live"


def live_subset(rows: list[dict]) -> list[dict]:
    """The rows named in the live dataset (what the cassette holds), in dataset order."""
    ids = yaml.safe_load((DATASETS / LIVE_DATASET).read_text())["replies"]
    unknown = set(ids) - {str(row.get("id")) for row in rows}
    if unknown:
        raise ValueError(f"{LIVE_DATASET} names unknown replies: {sorted(unknown)}")
    return [row for row in rows if str(row.get("id")) in ids]


def _llm_classifier(live, runs: list) -> Callable:
    """The product's classify_runs on the live session's client; each ClassifyRun kept."""
    from agent.classify import classify_runs
    from agent.llm import CallRecorder

    client = live.client(CallRecorder())

    def classify(replies):
        found = classify_runs(replies, client=client)
        runs.extend(found)
        return [run.classification for run in found]

    return classify


def run(backend: str = "offline", *, record: bool = False) -> SuiteResult:
    """Classify the evaluation set and grade it (on openai: live, recorded or replayed)."""
    rows = load_dataset(DEFAULT_DATASET)
    if backend != "openai":
        from tools.classify import classify_batch

        return _result(rows, classify_batch)
    from evals.live import live_session

    runs: list = []
    with live_session(CASSETTE, record=record) as live:
        if live.mode != "live":
            rows = live_subset(rows)
        result = _result(rows, _llm_classifier(live, runs))
    result.metrics["model_classified"] = sum(r.backend == "llm" for r in runs) / max(1, len(runs))
    fallbacks = {r.fallback_reason for r in runs if r.fallback_reason}
    result.datasets[LIVE_DATASET] = dataset_version(LIVE_DATASET)
    subset = f"live subset: {len(rows)} replies ({LIVE_DATASET})"
    ran = subset if live.mode != "live" else f"all {len(rows)} replies"
    result.details["notes"] = [f"{ran}; {live.describe()}"]
    if fallbacks:
        result.details["notes"].append(f"LLM unavailable, offline used: {sorted(fallbacks)}")
    if live.mode == "replay" and live.synthesized():
        result.details["notes"].append(
            "the shipped cassette is synthesized, not recorded (evals/cassettes/README.md): its "
            "answers are the gold labels, so these figures measure the plumbing, not a model"
        )
    return result


def _result(rows: list[dict], classify: Callable) -> SuiteResult:
    metrics = evaluate(rows, classify)
    wrong = {str(e["id"]): e for e in metrics.errors}
    cases = [
        CaseResult(
            id=str(row.get("id", i)),
            passed=str(row.get("id", i)) not in wrong,
            failures=[f"expected {row['label']}, got {wrong[str(row.get('id', i))]['pred']}"]
            if str(row.get("id", i)) in wrong
            else [],
            input={"subject": row.get("subject", ""), "body": row["body"]},
        )
        for i, row in enumerate(rows)
    ]
    flat = {
        "macro_f1": metrics.macro_f1,
        "accuracy": metrics.accuracy,
        "date_accuracy": metrics.date_accuracy,
        "referral_email_accuracy": metrics.referral_email_accuracy,
    }
    for label, row in metrics.per_label.items():
        flat[f"recall_{label}"] = row["recall"]
        flat[f"precision_{label}"] = row["precision"]
    return SuiteResult(
        name="replies",
        metrics=flat,
        cases=cases,
        datasets={"replies_eval.jsonl": dataset_version("replies_eval.jsonl")},
        details={"confusion": metrics.confusion, "per_label": metrics.per_label},
    )
