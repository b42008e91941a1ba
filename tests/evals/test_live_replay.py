"""Live suites offline: the drafts suite replays its cassette, judged; mismatches fail loudly."""

from __future__ import annotations

import json

import pytest
import yaml

from agent.llm import CallRecorder
from evals import live, suite_db
from evals.gate import check, load_config
from evals.judge import JudgeAnswer
from evals.live import LiveSetupError, ReplayMismatch, live_session
from evals.model import RunResult, SuiteResult
from evals.report import markdown
from evals.suites import drafts


@pytest.fixture
def no_key(monkeypatch):
    """No OPENAI_API_KEY: --backend openai replays."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "NURTURE_MODEL_DRAFT", "NURTURE_MODEL_JUDGE"):
        monkeypatch.delenv(name, raising=False)


def _judge_interaction() -> dict:
    """The first judge request/response pair of the shipped drafts cassette."""
    data = yaml.safe_load((live.CASSETTES / "drafts_live.yaml").read_text())
    return next(i for i in data["interactions"] if '"name":"JudgeAnswer"' in i["request"]["body"])


def _one_interaction_cassette(tmp_path, monkeypatch, interactions: list[dict]) -> None:
    (tmp_path / "judge_only.yaml").write_text(
        yaml.safe_dump({"interactions": interactions, "version": 1})
    )
    monkeypatch.setattr(live, "CASSETTES", tmp_path)


def test_the_drafts_suite_replays_its_cassette_with_judged_metrics(no_key):
    suite_db.close()  # a fresh eval database: request bodies depend on what ran before
    try:
        result = drafts.run("openai")
    finally:
        suite_db.close()

    assert [c.id for c in result.cases] == [
        "mql-1", "demo-request-hot-1", "pricing-2x-1", "content-download-1",
        "step-long_nurture-2-proof-consideration-rich",
    ]  # fmt: skip
    assert all(c.output["backend"] == "openai" for c in result.cases)  # no silent fallback
    assert result.metrics["model_drafted"] == 1.0
    assert result.metrics["judge_coverage"] == 1.0
    assert result.metrics["judge_overall"] == pytest.approx(0.75)  # synthesized 4 of 5
    judge = result.details["judge"]
    assert judge["ran"] and judge["retried"] == 1 and judge["prompt"].startswith("judge_draft@v")
    assert "replayed from evals/cassettes/drafts_live.yaml" in result.details["notes"][0]
    assert "synthesized, not recorded" in result.details["notes"][1]
    run = RunResult(started_at="t", backend="openai", model="gpt-4o-mini", prompts={},
                    suites={"drafts": result})  # fmt: skip
    assert [p for p in check(run, load_config(), {}) if p.startswith("drafts.")] == []
    assert "LLM judge: model gpt-4o-mini" in markdown(run, {})


def test_a_request_no_interaction_matches_fails_loudly(no_key, tmp_path, monkeypatch):
    recorded = _judge_interaction()
    _one_interaction_cassette(tmp_path, monkeypatch, [recorded])
    messages = json.loads(recorded["request"]["body"])["messages"]
    messages[1]["content"] = messages[1]["content"].replace("Judge this draft.", "Judge it.")

    with (
        pytest.raises(ReplayMismatch, match=r"no interaction in .*judge_only\.yaml matches"),
        live_session("judge_only") as session,
    ):
        session.client(CallRecorder()).structured("judge", messages, JudgeAnswer)


def test_the_same_request_replays_and_every_interaction_must_be_played(
    no_key, tmp_path, monkeypatch
):
    recorded = _judge_interaction()
    _one_interaction_cassette(tmp_path, monkeypatch, [recorded, recorded])
    messages = json.loads(recorded["request"]["body"])["messages"]

    with (
        pytest.raises(ReplayMismatch, match=r"interactions \[1\] were never played"),
        live_session("judge_only") as session,
    ):
        result = session.client(CallRecorder()).structured("judge", messages, JudgeAnswer)
        assert result.parsed.verdict.kind == "scores"  # the recorded answer, parsed


def test_replay_needs_a_cassette_and_recording_needs_a_key(no_key, tmp_path, monkeypatch):
    monkeypatch.setattr(live, "CASSETTES", tmp_path)

    with pytest.raises(LiveSetupError, match=r"no cassette missing\.yaml"), live_session("missing"):
        pass
    with (
        pytest.raises(LiveSetupError, match="--record needs OPENAI_API_KEY"),
        live_session("missing", record=True),
    ):
        pass


def _drafts(metrics: dict, judged: bool) -> RunResult:
    details = {"judge": {"ran": True}} if judged else {"judge": {"ran": False}}
    suite = SuiteResult(name="drafts", metrics=metrics, details=details)
    backend = "openai" if judged else "offline"
    return RunResult(started_at="t", backend=backend, model=None, prompts={},
                     suites={"drafts": suite})  # fmt: skip


def test_judge_thresholds_apply_only_when_the_judge_ran():
    graders = {"pass_rate": 1.0, "cites_only_retrieved": 1.0, "no_invented_claims": 1.0,
               "one_cta": 1.0, "stage_appropriate": 1.0, "within_limits": 1.0,
               "unsubscribe_footer": 1.0}  # fmt: skip
    config = load_config()

    assert check(_drafts(graders, judged=False), config, {}) == []
    problems = check(_drafts(graders, judged=True), config, {})
    assert "drafts.judge_overall was not measured" in problems
    weak = graders | {"judge_coverage": 1.0, "judge_relevance": 0.9, "judge_tone": 0.25,
                      "judge_overall": 0.5}  # fmt: skip
    assert check(_drafts(weak, judged=True), config, {}) == [
        "drafts.judge_tone = 0.250 is under 0.500"
    ]
    live_baseline = {"live": {"suites": {"drafts": {"metrics": {"judge_overall": 0.75}}}}}
    assert check(_drafts(weak, judged=True), config, live_baseline)[1] == (
        "drafts.judge_overall dropped 0.250 (from 0.750 to 0.500); at most 0.100 allowed"
    )


def test_offline_reports_say_the_judge_did_not_run():
    suite = SuiteResult(
        name="drafts",
        metrics={"pass_rate": 1.0},
        details={"judge": {"ran": False}, "notes": ["judge not run (offline backend)"]},
    )
    run = RunResult(started_at="t", backend="offline", model=None, prompts={},
                    suites={"drafts": suite})  # fmt: skip

    text = markdown(run, {})
    assert "- judge not run (offline backend)" in text and "judge_overall" not in text
