"""The reply metrics arithmetic, checked with a fake classifier."""

from datetime import date

from evals.replies_metrics import evaluate
from tools.reply_schema import LABELS, ReplyClassification


def fake(label, follow_up=None, email=None):
    return ReplyClassification(
        label=label,
        confidence=1.0,
        labels=dict.fromkeys(LABELS, 0.0),
        follow_up_date=follow_up,
        referral_email=email,
        rationale="fake",
        source="model",
        needs_review=False,
    )


def test_precision_recall_confusion_and_extraction():
    rows = [
        {"body": "a", "label": "interested"},
        {"body": "b", "label": "interested"},
        {"body": "c", "label": "question"},
        {
            "body": "d",
            "label": "not_now",
            "follow_up_date": "2026-07-01",
            "received_at": "2026-05-10T12:00:00+00:00",
        },
        {"body": "e", "label": "referral", "referral_email": "Ann@X.io"},
    ]
    answers = [
        fake("interested"),
        fake("question"),
        fake("question"),
        fake("not_now", date(2026, 7, 2)),
        fake("referral", email="ann@x.io"),
    ]
    metrics = evaluate(rows, classify=lambda replies: answers[: len(replies)])
    assert metrics.per_label["interested"]["recall"] == 0.5
    assert metrics.per_label["question"]["precision"] == 0.5
    assert metrics.confusion["interested"]["question"] == 1
    assert metrics.date_accuracy == 0.0 and metrics.date_total == 1
    assert metrics.referral_email_accuracy == 1.0
    assert abs(metrics.macro_f1 - (2 / 3 + 2 / 3 + 1 + 1) / 4) < 1e-9
    assert [e["body"] for e in metrics.errors] == ["b"]
