"""The gate fails a worse run and a changed prompt with a stale baseline; reports show both."""

from __future__ import annotations

import json

from evals.gate import check, load_baseline, load_config
from evals.model import CaseResult, RunResult, SuiteResult
from evals.report import html_report, markdown

PROMPTS = {"draft_email.yaml": "aaaa"}


def run_with(pass_rate: float, prompts=PROMPTS) -> RunResult:
    suite = SuiteResult(
        name="safety",
        metrics={"pass_rate": pass_rate},
        cases=[
            CaseResult(id="injection:customer-list", passed=False, failures=["action 'referral'"])
        ],
    )
    return RunResult(
        started_at="t", backend="offline", model=None, prompts=prompts, suites={"safety": suite}
    )


def baseline(tmp_path, digest="aaaa"):
    path = tmp_path / "baseline.json"
    path.write_text(
        json.dumps(
            {
                "prompts": {"draft_email.yaml": digest},
                "suites": {"safety": {"metrics": {"pass_rate": 1.0}}},
            }
        )
    )
    return load_baseline(path)


def test_gate_fails_a_worse_result(tmp_path):
    problems = check(run_with(0.5), load_config(), baseline(tmp_path))
    assert any("safety.pass_rate = 0.500 is under 1.000" in p for p in problems)
    assert any("safety.pass_rate dropped 0.500" in p for p in problems)


def test_gate_open_for_an_equal_result(tmp_path):
    assert check(run_with(1.0), load_config(), baseline(tmp_path)) == []


def test_gate_fails_a_changed_prompt_with_a_stale_baseline(tmp_path):
    problems = check(run_with(1.0), load_config(), baseline(tmp_path, digest="bbbb"))
    assert any("prompt draft_email.yaml changed" in p for p in problems)


def test_reports_show_failing_case_and_delta(tmp_path):
    result = run_with(0.5)
    base = baseline(tmp_path)
    result.gate = check(result, load_config(), base)
    for text in (markdown(result, base), html_report(result, base)):
        assert "injection:customer-list" in text
        assert "-0.500" in text
