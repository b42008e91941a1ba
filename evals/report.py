"""Eval reports: JSON, Markdown and HTML (confusion matrix, deltas vs baseline, failing cases)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from evals.gate import baseline_suites
from evals.model import RunResult, SuiteResult

MAX_FAILURES = 25


def _delta(value: float, base: float | None) -> str:
    return "new" if base is None else f"{value - base:+.3f}"


def judge_lines(suite: SuiteResult) -> list[str]:
    """How the LLM judge ran for a suite: its model and prompt, or that it did not run."""
    judge = suite.details.get("judge")
    if not judge or not judge.get("ran"):
        return []
    means = ", ".join(f"{k} {v}" for k, v in judge["mean_scores"].items())
    return [
        f"LLM judge: model {judge['model']} (served by {', '.join(judge['served_by']) or '-'}), "
        f"prompt {judge['prompt']}; judged {judge['judged']}, cannot judge "
        f"{judge['cannot_judge']}, retried {judge['retried']}; mean scores (1-5): {means}"
    ]


def markdown(run: RunResult, baseline: dict[str, Any]) -> str:
    """A Markdown report for reviews and CI logs."""
    out = [
        f"# Eval run {run.started_at}",
        "",
        f"backend `{run.backend}`, model `{run.model or '-'}`",
        "",
    ]
    out += ["## Gate", ""] + ([f"- FAIL: {p}" for p in run.gate] or ["- open: all checks passed"])
    for name, suite in run.suites.items():
        out += ["", f"## {name}", ""]
        if suite.skipped:
            out += [f"skipped: {suite.skipped}"]
            continue
        base = baseline_suites(baseline, run.backend).get(name, {}).get("metrics", {})
        out += [f"- {note}" for note in suite.details.get("notes", [])]
        out += [f"- {line}" for line in judge_lines(suite)]
        out += ["", "| metric | value | vs baseline |", "|---|---|---|"]
        for metric, value in sorted(suite.metrics.items()):
            out.append(f"| {metric} | {value:.3f} | {_delta(value, base.get(metric))} |")
        out += ["", f"datasets: {', '.join(f'{k}@{v}' for k, v in suite.datasets.items())}"]
        if suite.failing:
            out += ["", f"### failing cases ({len(suite.failing)})", ""]
            for case in suite.failing[:MAX_FAILURES]:
                text = json.dumps(case.input, ensure_ascii=False)[:300]
                out.append(f"- `{case.id}`: {'; '.join(case.failures)} — input {text}")
    out += ["", "## Prompt versions", ""] + [f"- {k}: {v}" for k, v in run.prompts.items()]
    return "\n".join(out) + "\n"


def _table(rows: list[list[str]], header: list[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html_report(run: RunResult, baseline: dict[str, Any]) -> str:
    """A self-contained HTML report."""
    parts = [
        f"<h1>Eval run {html.escape(run.started_at)}</h1>",
        f"<p>backend {html.escape(run.backend)}, model {html.escape(run.model or '-')}</p>",
        "<h2>Gate</h2><ul>"
        + "".join(f"<li class=fail>{html.escape(p)}</li>" for p in run.gate)
        + ("" if run.gate else "<li class=ok>open: all checks passed</li>")
        + "</ul>",
    ]
    for name, suite in run.suites.items():
        parts.append(f"<h2>{html.escape(name)}</h2>")
        if suite.skipped:
            parts.append(f"<p>skipped: {html.escape(suite.skipped)}</p>")
            continue
        base = baseline_suites(baseline, run.backend).get(name, {}).get("metrics", {})
        notes = [*suite.details.get("notes", []), *judge_lines(suite)]
        if notes:
            parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
        rows = [[m, f"{v:.3f}", _delta(v, base.get(m))] for m, v in sorted(suite.metrics.items())]
        parts.append(_table(rows, ["metric", "value", "vs baseline"]))
        confusion = suite.details.get("confusion")
        if confusion:
            labels = list(confusion)
            parts.append("<h3>Confusion matrix (rows gold, columns predicted)</h3>")
            parts.append(
                _table(
                    [[g] + [str(confusion[g][p]) for p in labels] for g in labels],
                    ["gold", *labels],
                )
            )
        if suite.failing:
            parts.append(f"<h3>Failing cases ({len(suite.failing)})</h3>")
            parts.append(
                _table(
                    [
                        [c.id, "; ".join(c.failures), json.dumps(c.input)[:500]]
                        for c in suite.failing[:MAX_FAILURES]
                    ],
                    ["case", "failures", "input"],
                )
            )
    style = (
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px}.fail{color:#b00}"
        ".ok{color:#070}</style>"
    )
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>nurture evals</title>{style}"
        f"</head><body>{''.join(parts)}</body></html>"
    )


def write_reports(run: RunResult, baseline: dict[str, Any], directory: Path) -> dict[str, Path]:
    """Write result.json, report.md and report.html into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": directory / "result.json",
        "markdown": directory / "report.md",
        "html": directory / "report.html",
    }
    paths["json"].write_text(run.model_dump_json(indent=2))
    paths["markdown"].write_text(markdown(run, baseline))
    paths["html"].write_text(html_report(run, baseline))
    return paths
