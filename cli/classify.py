"""Reply commands: `nurture classify` (JSON Lines in, JSON Lines out) and `nurture eval-replies`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import typer
from pydantic import ValidationError

from agent.classify_io import ClassifyRequest, to_response

CHUNK = 500  # lines classified per batch: one vectorised model call, bounded memory


def parse_line(line: str) -> ClassifyRequest:
    """One JSON Lines row as a request; ValueError with a readable reason when it is bad."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object with id, subject, body, received_at")
    try:
        return ClassifyRequest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'line'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ValueError(problems) from exc


class LineErrors:
    """Reports bad input lines (with their numbers) to a stream and counts them."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.count = 0

    def report(self, number: int, reason: str) -> None:
        """Write one line's problem at once, so it shows next to the output it interrupts."""
        self.count += 1
        self.stream.write(f"line {number}: {reason}\n")
        self.stream.flush()


def numbered_requests(lines: Iterable[str], errors: LineErrors) -> Iterator[ClassifyRequest]:
    """Good requests in input order; each bad line is reported with its line number."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield parse_line(line)
        except ValueError as exc:
            errors.report(number, str(exc))


def _chunks(items: Iterator[ClassifyRequest], size: int) -> Iterator[list[ClassifyRequest]]:
    batch: list[ClassifyRequest] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def classify_lines(lines: Iterable[str], out: TextIO, errors: TextIO, *, offline: bool) -> int:
    """Classify JSON Lines requests to `out` in input order; returns the number of bad lines."""
    from agent.classify import classify_replies
    from core.llm_settings import LLMSettings

    settings = LLMSettings(openai_api_key=None) if offline else LLMSettings()
    bad = LineErrors(errors)
    now = datetime.now(UTC)
    for batch in _chunks(numbered_requests(lines, bad), CHUNK):
        results = classify_replies([r.to_input(now) for r in batch], settings=settings)
        for request, result in zip(batch, results, strict=True):
            out.write(to_response(request.id, result).model_dump_json() + "\n")
        out.flush()
    return bad.count


def classify(
    file: Path | None = typer.Argument(
        None, exists=True, dir_okay=False, help="JSON Lines file (default: standard input)"
    ),
    offline: bool = typer.Option(False, "--offline", help="never call the model, even with a key"),
) -> None:
    """Classify replies from JSON Lines ({"id", "subject", "body", "received_at"?}) to stdout."""
    stream = file.open(encoding="utf-8") if file else sys.stdin
    try:
        bad = classify_lines(stream, sys.stdout, sys.stderr, offline=offline)
    finally:
        if file:
            stream.close()
    if bad:
        sys.stderr.write(f"{bad} bad line(s) skipped\n")
        raise typer.Exit(1)


def eval_replies(
    dataset: Path | None = typer.Argument(
        None, exists=True, dir_okay=False, help="labelled JSON Lines (default: the eval set)"
    ),
    errors: bool = typer.Option(False, "--errors", help="list misclassified replies"),
) -> None:
    """Measure the offline classifier: per-label P/R/F1, confusion matrix, extraction accuracy."""
    from evals.replies_metrics import main

    code = main(([str(dataset)] if dataset else []) + (["--errors"] if errors else []))
    if code:
        raise typer.Exit(code)
