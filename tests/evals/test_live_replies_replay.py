"""The replies suite on --backend openai offline: its synthesized cassette replays through the
product's LLM classification path; a changed request body or a missing answer fails loudly."""

from __future__ import annotations

import pytest
import yaml

from agent import classify_llm
from evals import live
from evals.gate import check, load_config
from evals.live import ReplayMismatch
from evals.model import RunResult
from evals.suites import replies
from tests.conftest_vcr import vcr_settings

LIVE_IDS = ["ev-001", "ev-018", "ev-033", "ev-038", "ev-055", "ev-072", "ev-090", "ev-107",
            "ev-124", "ev-141", "ev-160", "ev-180"]  # fmt: skip
PERFECT = ("macro_f1", "accuracy", "date_accuracy", "referral_email_accuracy", "recall_bounce",
           "recall_unsubscribe", "recall_referral", "recall_not_now")  # fmt: skip


@pytest.fixture
def no_key(monkeypatch):
    """No OPENAI_API_KEY: --backend openai replays; the classify model is the default."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "NURTURE_MODEL_CLASSIFY"):
        monkeypatch.delenv(name, raising=False)


def test_the_replies_subset_replays_with_the_expected_metrics(no_key):
    result = replies.run("openai")

    assert [c.id for c in result.cases] == LIVE_IDS
    assert all(c.passed for c in result.cases)
    assert result.metrics["model_classified"] == 1.0  # every reply answered by the LLM path
    assert {m: result.metrics[m] for m in PERFECT} == dict.fromkeys(PERFECT, 1.0)
    per_label = result.details["per_label"]
    assert all(row["support"] >= 1 for row in per_label.values())  # every label is covered
    assert per_label["unsubscribe"]["support"] == 2
    assert "replies_live.yaml" in result.datasets
    assert result.details["notes"][0] == (
        "live subset: 12 replies (replies_live.yaml); replayed from "
        "evals/cassettes/replies_live.yaml (no API key: nothing was sent)"
    )
    assert "synthesized, not recorded" in result.details["notes"][1]
    run = RunResult(started_at="t", backend="openai", model="gpt-4o-mini", prompts={},
                    suites={"replies": result})  # fmt: skip
    assert check(run, load_config(), {}) == []


def test_a_changed_classify_prompt_cannot_replay_the_old_answers(no_key, monkeypatch):
    original = classify_llm.classify_messages

    def reworded(reply, **kwargs):
        messages = original(reply, **kwargs)
        messages[0]["content"] = messages[0]["content"].replace("You classify", "You label", 1)
        return messages

    monkeypatch.setattr(classify_llm, "classify_messages", reworded)

    with pytest.raises(ReplayMismatch, match=r"model call 'classify': no interaction in .*"
                       r"replies_live\.yaml matches"):  # fmt: skip
        replies.run("openai")


def test_a_reply_the_cassette_has_no_answer_for_fails(no_key, tmp_path, monkeypatch):
    data = yaml.safe_load((live.CASSETTES / "replies_live.yaml").read_text())
    data["interactions"] = data["interactions"][1:]  # ev-001's answer is gone
    (tmp_path / "replies_live.yaml").write_text(yaml.safe_dump(data))
    monkeypatch.setattr(live, "CASSETTES", tmp_path)

    with pytest.raises(ReplayMismatch, match="no interaction in"):
        replies.run("openai")


def test_an_answer_the_suite_never_asked_for_fails(no_key, monkeypatch):
    monkeypatch.setattr(replies, "live_subset", lambda rows: [r for r in rows if
                        r["id"] in LIVE_IDS and r["id"] != "ev-180"])  # fmt: skip

    with pytest.raises(ReplayMismatch, match=r"interactions \[11\] were never played"):
        replies.run("openai")


def test_the_live_subset_names_only_known_replies(monkeypatch, tmp_path):
    (tmp_path / "replies_live.yaml").write_text("replies: [ev-001, ev-999]\n")
    monkeypatch.setattr(replies, "DATASETS", tmp_path)

    with pytest.raises(ValueError, match=r"unknown replies: \['ev-999'\]"):
        replies.live_subset([{"id": "ev-001"}])


def test_model_call_tests_scrub_responses_with_the_live_suites_helper():
    scrub = vcr_settings()["before_record_response"]
    response = {"headers": {"Set-Cookie": ["a=b"], "openai-project": ["p"], "x-request-id": ["r"]}}

    assert scrub is live.scrub_response
    assert scrub(response)["headers"] == {"x-request-id": ["r"]}
