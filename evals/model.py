"""Eval result types: a case, a suite's result, a whole run."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class CaseResult(BaseModel):
    """One graded example: its input, what happened, and which checks failed."""

    id: str
    passed: bool
    failures: list[str] = Field(default_factory=list)
    input: dict[str, Any] = Field(default_factory=dict)
    output: dict[str, Any] = Field(default_factory=dict)


class SuiteResult(BaseModel):
    """A suite's metrics (fractions, higher is better), cases and provenance."""

    name: str
    metrics: dict[str, float]
    cases: list[CaseResult] = Field(default_factory=list)
    datasets: dict[str, str] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)
    skipped: str | None = None

    @property
    def failing(self) -> list[CaseResult]:
        """Cases that failed."""
        return [case for case in self.cases if not case.passed]


class RunResult(BaseModel):
    """A run of one or more suites, with what it ran against."""

    started_at: str
    backend: str
    model: str | None
    prompts: dict[str, str]
    suites: dict[str, SuiteResult]
    gate: list[str] = Field(default_factory=list)
