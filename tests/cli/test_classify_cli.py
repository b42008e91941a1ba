"""`nurture classify` and `nurture eval-replies`: order kept, bad lines reported, exit codes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.main import app

LINES = [
    '{"id": "a", "subject": "Re: hi", "body": "Please remove me from your list.",'
    ' "received_at": "2026-03-10T09:30:00+00:00"}',
    '{"id": "b", "subject": "Automatic reply: hi", "body": "I am out of the office until'
    ' 16 March.", "received_at": "2026-03-10T09:30:00+00:00"}',
    "this is not json",
    '{"id": "c", "subject": "Re: hi"}',
    '{"id": 4, "body": "Could we talk Tuesday at 3pm or Wednesday at 10am?",'
    ' "received_at": "2026-03-10T09:30:00"}',
    '{"id": "e", "body": "Not me - please contact Priya Raman (priya@acme.example)."}',
]
KEYS = {"id", "label", "confidence", "labels", "follow_up_date", "referral_name",
        "referral_email", "proposed_times", "competitor"}  # fmt: skip


@pytest.fixture
def runner(monkeypatch) -> CliRunner:
    """A runner with no model key: the offline backend answers."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return CliRunner()


def _answers(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_order_is_kept_and_bad_lines_are_reported_with_their_numbers(runner, tmp_path):
    path = tmp_path / "replies.jsonl"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")

    result = runner.invoke(app, ["classify", str(path)])

    assert result.exit_code == 1
    answers = _answers(result)
    assert [a["id"] for a in answers] == ["a", "b", "4", "e"]
    assert [a["label"] for a in answers] == ["unsubscribe", "out_of_office", "meeting_request",
                                             "referral"]  # fmt: skip
    assert all(set(a) == KEYS for a in answers)
    assert answers[1]["follow_up_date"] == "2026-03-16"
    assert answers[2]["proposed_times"] == ["Tuesday at 3pm", "Wednesday at 10am"]
    assert answers[3]["referral_email"] == "priya@acme.example"
    assert len(answers[0]["labels"]) == 11
    assert answers[0]["labels"]["unsubscribe"] == answers[0]["confidence"]
    assert "line 3: not valid JSON" in result.stderr
    assert "line 4: body: Field required" in result.stderr
    assert "2 bad line(s) skipped" in result.stderr


def test_reads_standard_input_and_exits_zero_when_every_line_is_good(runner):
    result = runner.invoke(app, ["classify"], input=LINES[0] + "\n\n" + LINES[4] + "\n")
    assert result.exit_code == 0, result.stderr
    assert [a["id"] for a in _answers(result)] == ["a", "4"]
    assert result.stderr == ""


def test_eval_replies_prints_per_label_scores_confusion_and_extraction(runner, tmp_path):
    path = tmp_path / "tiny.jsonl"
    rows = [json.loads(LINES[0]) | {"label": "unsubscribe"},
            json.loads(LINES[1]) | {"label": "out_of_office"}]  # fmt: skip
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    result = runner.invoke(app, ["eval-replies", str(path)])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.split())
    assert "macro-F1" in flat and "follow-up dates" in flat and "unsubscribe" in flat
