"""The reply training and evaluation sets: sizes, label coverage, fields, and no shared examples."""

import json
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from tools.reply_schema import LABELS
from tools.reply_text import reply_subject, split_reply

REPO = Path(__file__).resolve().parents[2]
TRAINING = REPO / "tools" / "data" / "reply_training.jsonl"
EVALUATION = REPO / "evals" / "datasets" / "replies_eval.jsonl"
NEAR_DUPLICATE = 0.8  # Jaccard similarity of character 4-grams


def rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def normalised(row):
    """What the classifier reads (sender-written subject part + new text), without punctuation."""
    text = f"{reply_subject(row.get('subject', ''))} {split_reply(row['body']).new_text}"
    return re.sub(r"\W+", " ", text.lower()).strip()


def grams(text):
    return {text[i : i + 4] for i in range(max(1, len(text) - 3))}


@pytest.mark.parametrize(
    ("path", "minimum", "per_label"), [(TRAINING, 450, 30), (EVALUATION, 160, 12)]
)
def test_size_and_label_balance(path, minimum, per_label):
    data = rows(path)
    counts = Counter(row["label"] for row in data)
    assert len(data) >= minimum
    assert set(counts) == set(LABELS)
    assert min(counts.values()) >= per_label


@pytest.mark.parametrize("path", [TRAINING, EVALUATION])
def test_fields_are_well_formed(path):
    for row in rows(path):
        assert row["label"] in LABELS and isinstance(row["body"], str)
        if "follow_up_date" in row:
            date.fromisoformat(row["follow_up_date"])
            datetime.fromisoformat(row["received_at"])
        if "referral_email" in row:
            assert "@" in row["referral_email"]


def test_ids_are_unique():
    for path in (TRAINING, EVALUATION):
        ids = [row["id"] for row in rows(path)]
        assert len(ids) == len(set(ids))


def test_no_example_is_shared_or_near_duplicated():
    train = {normalised(row): grams(normalised(row)) for row in rows(TRAINING)}
    clashes = []
    for row in rows(EVALUATION):
        text = normalised(row)
        if not text:
            continue  # an empty (or emoji-only) reply has no text to share
        if text in train:
            clashes.append(text)
            continue
        mine = grams(text)
        for other in train.values():
            if len(mine & other) / len(mine | other) >= NEAR_DUPLICATE:
                clashes.append(text)
                break
    assert clashes == []
