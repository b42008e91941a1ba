"""Replies suite: per-label precision/recall/F1, confusion matrix and extraction accuracy."""

from __future__ import annotations

from evals.model import CaseResult, SuiteResult
from evals.provenance import dataset_version
from evals.replies_metrics import DEFAULT_DATASET, evaluate, load_dataset


def _classifier(backend: str):
    if backend == "offline":
        from tools.classify import classify_batch

        return classify_batch
    from agent.classify import classify_replies  # the LLM path (needs OPENAI_API_KEY)

    return classify_replies


NO_REPLAY = (
    "no cassette for replies yet: --backend openai needs OPENAI_API_KEY here (without a key "
    "the classifier would silently be the offline one)"
)


def run(backend: str = "offline") -> SuiteResult:
    """Classify the evaluation set and grade it."""
    if backend == "openai":
        from core.llm_settings import LLMSettings

        if LLMSettings().backend != "openai":
            return SuiteResult(name="replies", metrics={}, skipped=NO_REPLAY)
    rows = load_dataset(DEFAULT_DATASET)
    metrics = evaluate(rows, _classifier(backend))
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
