"""Measure the offline reply classifier on a dataset: per-label P/R/F1, confusion, extraction."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tools.classify import classify_batch
from tools.reply_schema import LABELS, ReplyClassification, ReplyInput

DEFAULT_DATASET = Path(__file__).resolve().parent / "datasets" / "replies_eval.jsonl"
DATE_LABELS = ("out_of_office", "not_now")


@dataclass
class ReplyMetrics:
    """Quality of one run over a dataset."""

    per_label: dict[str, dict[str, float]]
    macro_f1: float
    accuracy: float
    confusion: dict[str, dict[str, int]]
    date_accuracy: float
    date_total: int
    referral_email_accuracy: float
    referral_total: int
    errors: list[dict] = field(default_factory=list)


def load_dataset(path: Path = DEFAULT_DATASET) -> list[dict]:
    """Return the rows of a JSONL dataset."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def to_input(row: dict, index: int = 0) -> ReplyInput:
    """Turn a dataset row into the classifier's input model."""
    received = row.get("received_at")
    return ReplyInput(
        id=str(row.get("id", index)),
        subject=row.get("subject", ""),
        body=row.get("body", ""),
        received_at=datetime.fromisoformat(received) if received else None,
        headers=row.get("headers") or {},
        sender=row.get("sender"),
    )


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def evaluate(
    rows: Sequence[dict],
    classify: Callable[[list[ReplyInput]], list[ReplyClassification]] = classify_batch,
) -> ReplyMetrics:
    """Run `classify` over the rows and score labels, follow-up dates and referral emails."""
    predictions = classify([to_input(row, i) for i, row in enumerate(rows)])
    confusion = {gold: dict.fromkeys(LABELS, 0) for gold in LABELS}
    date_hits = date_total = ref_hits = ref_total = 0
    errors = []
    for row, pred in zip(rows, predictions, strict=True):
        confusion[row["label"]][pred.label] += 1
        if pred.label != row["label"]:
            errors.append(
                {
                    "id": row.get("id"),
                    "gold": row["label"],
                    "pred": pred.label,
                    "why": pred.rationale,
                    "body": row["body"][:120],
                }
            )
        if row["label"] in DATE_LABELS:
            date_total += 1
            got = pred.follow_up_date.isoformat() if pred.follow_up_date else None
            date_hits += got == row.get("follow_up_date")
        if row["label"] == "referral":
            ref_total += 1
            expected = (row.get("referral_email") or "").lower() or None
            ref_hits += (pred.referral_email or None) == expected
    per_label = {}
    for label in LABELS:
        tp = confusion[label][label]
        predicted = sum(confusion[gold][label] for gold in LABELS)
        support = sum(confusion[label].values())
        precision, recall = _ratio(tp, predicted), _ratio(tp, support)
        f1 = _ratio(2 * precision * recall, precision + recall) if precision + recall else 0.0
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    present = [label for label in LABELS if per_label[label]["support"]]
    return ReplyMetrics(
        per_label=per_label,
        macro_f1=sum(per_label[label]["f1"] for label in present) / max(1, len(present)),
        accuracy=_ratio(sum(confusion[label][label] for label in LABELS), len(rows)),
        confusion=confusion,
        date_accuracy=_ratio(date_hits, date_total),
        date_total=date_total,
        referral_email_accuracy=_ratio(ref_hits, ref_total),
        referral_total=ref_total,
        errors=errors,
    )


def render(metrics: ReplyMetrics, console: Console, show_errors: bool = False) -> None:
    """Print the metrics as rich tables."""
    table = Table(title="Reply classifier: per label")
    for column in ("label", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for label, row in metrics.per_label.items():
        table.add_row(
            label,
            f"{row['precision']:.3f}",
            f"{row['recall']:.3f}",
            f"{row['f1']:.3f}",
            str(int(row["support"])),
        )
    console.print(table)
    short = {label: label[:6] for label in LABELS}
    confusion = Table(title="Confusion (rows gold, columns predicted)")
    confusion.add_column("gold")
    for label in LABELS:
        confusion.add_column(short[label], justify="right")
    for gold in LABELS:
        confusion.add_row(gold, *(str(metrics.confusion[gold][p] or ".") for p in LABELS))
    console.print(confusion)
    console.print(
        f"macro-F1 {metrics.macro_f1:.3f}  accuracy {metrics.accuracy:.3f}  "
        f"follow-up dates {metrics.date_accuracy:.3f} (n={metrics.date_total})  "
        f"referral emails {metrics.referral_email_accuracy:.3f} (n={metrics.referral_total})"
    )
    if show_errors:
        for error in metrics.errors:
            console.print(
                f"[dim]{error['id']}[/] {error['gold']} -> {error['pred']}: "
                f"{error['body']!r} ({error['why']})",
                markup=True,
                highlight=False,
            )


def main(argv: Sequence[str] | None = None) -> int:
    """Evaluate the offline classifier on a dataset and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dataset", nargs="?", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--errors", action="store_true", help="list misclassified replies")
    args = parser.parse_args(argv)
    render(evaluate(load_dataset(args.dataset)), Console(), show_errors=args.errors)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
