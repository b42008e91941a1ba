"""Read-only typed tools over the metrics: the only way the analytics agent touches data.

Why typed tools and not free SQL: each tool's arguments are a pydantic model (validated, with
described fields the model reads), each tool runs reviewed, parameterized SQL from `tools/metrics*`
(lead filters compiled by the segment filter language), and every number it returns carries that
SQL and the records behind it. A model writing SQL could read any table, invent a definition of
"MQL rate" that differs from the dashboard's, or write; typed tools make every answer reproducible,
keep one definition per metric, and let the offline grammar call exactly the same functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from agent.analytics.answer import Proposal
from agent.analytics.periods import PeriodError, parse_period
from agent.analytics.tool_args import Scoped
from tools.metrics import MetricResult, Period, last_days
from tools.segments import UnknownSegment


class ToolOutput(BaseModel):
    """What one tool call produced: a sentence, its numbers, and the metric results behind them."""

    name: str
    args: dict[str, Any]
    sentence: str = ""
    value: float | None = None
    numbers: dict[str, float | None] = Field(default_factory=dict)
    rows: list[dict[str, Any]] = Field(default_factory=list)
    results: list[MetricResult] = Field(default_factory=list)
    record_kind: str = "lead"
    record_ids: list[int] = Field(default_factory=list)
    record_count: int = 0
    period: str | None = None
    chart: str | None = None
    notes: list[str] = Field(default_factory=list)
    cannot: str | None = Field(None, description="Why this call could not answer")
    proposal: Proposal | None = None


@dataclass(frozen=True)
class ToolContext:
    """What a tool needs besides its arguments: the session, the clock and the signing secret."""

    session: Session
    now: datetime
    secret: str = ""


@dataclass(frozen=True)
class Tool:
    """A named tool: description (for the model), argument model, and the function that runs it."""

    name: str
    description: str
    args: type[BaseModel]
    run: Callable[[ToolContext, Any], ToolOutput]


REGISTRY: dict[str, Tool] = {}


def tool(name: str, description: str, args: type[BaseModel]):
    """Register a tool function under `name`."""

    def register(fn: Callable[[ToolContext, Any], ToolOutput]):
        """Add `fn` to the registry and return it unchanged."""
        REGISTRY[name] = Tool(name, description, args, fn)
        return fn

    return register


class ToolError(ValueError):
    """A tool call that cannot run as asked (bad arguments, unknown names); the text says why."""


def resolve(phrase: str | None, ctx: ToolContext, default: Period | None) -> Period | None:
    """A period phrase resolved against the context clock (ToolError when not understood)."""
    try:
        return parse_period(phrase, ctx.now, default)
    except PeriodError as exc:
        raise ToolError(str(exc)) from exc


def default_window(ctx: ToolContext, days: int = 30) -> Period:
    """The window used when a question names none."""
    return last_days(ctx.now, days)


def comparison(phrase: str | None, period: Period | None, ctx: ToolContext) -> Period | None:
    """The period to compare with: "previous" (the period before) or a time-range phrase."""
    if not phrase:
        return None
    if phrase.strip().lower() in {"previous", "previous period", "the previous period", "before"}:
        if period is None:
            raise ToolError("a comparison needs a time range to compare from")
        return period.previous()
    return resolve(phrase, ctx, None)


def scoped_periods(ctx: ToolContext, args: Scoped) -> tuple[Period, Period | None]:
    """The asked period (default: the last 30 days) and the one to compare it with, if any."""
    period = resolve(args.period, ctx, default_window(ctx))
    return period, comparison(args.compare_with, period, ctx)


def run_tool(ctx: ToolContext, name: str, arguments: dict[str, Any]) -> ToolOutput:
    """Validate arguments and run one tool; problems come back as an output with `cannot` set."""
    from agent.analytics import tools_actions, tools_email, tools_funnel, tools_leads  # noqa: F401

    spec = REGISTRY.get(name)
    if spec is None:
        return ToolOutput(name=name, args=arguments, cannot=f"there is no tool named {name!r}")
    try:
        args = spec.args.model_validate(arguments)
        output = spec.run(ctx, args)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return ToolOutput(name=name, args=arguments, cannot=f"invalid arguments ({problems})")
    except (ToolError, UnknownSegment) as exc:
        reason = str(exc) if isinstance(exc, ToolError) else f"there is no segment {exc.args[0]!r}"
        return ToolOutput(name=name, args=arguments, cannot=reason)
    output.name, output.args = name, args.model_dump(mode="json", exclude_defaults=True)
    return output


@lru_cache(maxsize=1)
def specs() -> list[dict]:
    """Function-tool definitions for the model (strict JSON schemas from the argument models)."""
    from agent.analytics import tools_actions, tools_email, tools_funnel, tools_leads  # noqa: F401
    from agent.llm import tool_spec

    return [tool_spec(t.name, t.description, t.args) for t in REGISTRY.values()]


def from_result(result: MetricResult, sentence: str, **fields) -> ToolOutput:
    """A ToolOutput carrying one metric result's numbers, rows and records."""
    data = {
        "value": result.value,
        "numbers": dict(result.numbers),
        "rows": result.rows,
        "record_kind": result.record_kind,
        "record_ids": result.record_ids,
        "record_count": result.record_count,
        "period": result.period.describe() if result.period else None,
        "notes": [result.note] if result.note else [],
    }
    data.update(fields)
    return ToolOutput(name="", args={}, sentence=sentence, results=[result], **data)


def with_previous(output: ToolOutput, previous: MetricResult | None) -> ToolOutput:
    """Add the comparison period's numbers as `<name>_previous` and the headline `change`."""
    if previous is None:
        return output
    output.results.append(previous)
    for key, value in previous.numbers.items():
        output.numbers[f"{key}_previous"] = value
    if output.value is not None and previous.value is not None:
        output.numbers["change"] = round(output.value - previous.value, 6)
    else:
        output.numbers["change"] = None
    return output
