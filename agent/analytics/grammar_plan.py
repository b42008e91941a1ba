"""The offline grammar's last step: an intent and the phrases around it become one tool call."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agent.analytics.answer import CannotAnswer
from agent.analytics.grammar_intents import Intent

COMPARABLE = {
    "count",
    "mql_count",
    "mql_rate",
    "email",
    "speed_to_lead",
    "time_to_handoff",
    "mql_to_sql",
    "lead_to_opportunity",
}


class Step(BaseModel):
    """One tool call the plan makes."""

    tool: str
    args: dict = Field(default_factory=dict)


class Plan(BaseModel):
    """The tool calls that answer a question, in order, and notes on how it was read."""

    steps: list[Step]
    notes: list[str] = Field(default_factory=list)


def cannot(question: str, reason: str) -> CannotAnswer:
    """A CannotAnswer with the standard examples."""
    return CannotAnswer(question=question, reason=reason)


def plan_for(question, intent: Intent, filters, period, compare, campaign) -> Plan | CannotAnswer:
    """The tool call for an intent, with the phrases found around it."""
    scoped = {"filters": filters, "period": period, "compare_with": compare}
    name, x = intent.name, intent.extras
    notes = []
    if campaign and name not in ("went_quiet", "email"):
        return cannot(question, f"the {campaign!r} email only narrows email questions")
    if compare and name not in COMPARABLE:
        notes.append("comparisons are not available for this question; showing one period")
    if name == "went_quiet":
        if not campaign:
            return cannot(
                question, "after which email? e.g. 'went quiet after the newsletter email'"
            )
        step = Step(
            tool="went_quiet", args={"campaign": campaign, "filters": filters, "period": period}
        )
    elif name == "ai_metric":
        if filters:
            return cannot(question, "AI metrics are not broken down by lead attributes")
        step = Step(tool="ai_metric", args={"metric": x["metric"], "period": period})
    elif name in ("speed_to_lead", "time_to_handoff"):
        step = Step(tool="timing", args={"metric": name, **scoped})
    elif name == "lead_velocity":
        step = Step(tool="lead_velocity", args={"month": period, "filters": filters})
    elif name == "nurtured_vs_not":
        step = Step(tool="nurtured_vs_not", args={"filters": filters, "period": period})
    elif name in ("mql_to_sql", "lead_to_opportunity"):
        step = Step(tool="conversion", args={"kind": name, **scoped})
    elif name == "email":
        step = Step(tool="email_performance", args={**scoped, "campaign": campaign, **x})
    elif name in ("mql_rate", "mql_count"):
        step = Step(tool=name, args=scoped)
    elif name == "trend":
        step = Step(tool="leads_trend", args={"period": period, "filters": filters, **x})
    elif name in ("score_distribution", "funnel"):
        step = Step(tool=name, args={"filters": filters})
    elif name == "top_leads":
        step = Step(tool="top_leads", args={"filters": filters, **x})
    elif name == "breakdown":
        step = Step(tool="leads_breakdown", args={**x, "filters": filters, "created": period})
    elif set(filters) == {"segment"} and not period and not compare:
        step = Step(tool="segment_size", args={"name": filters["segment"]})
    elif period and filters.get("did"):
        return cannot(
            question,
            "behaviour filters cover all time, so I cannot tell whether the time range is when "
            "they did it or when they became leads; ask without the time range, or about new "
            "leads in that range",
        )
    else:
        step = Step(
            tool="count_leads",
            args={"filters": filters, "created": period, "compare_with": compare},
        )
    return Plan(steps=[clean(step)], notes=notes)


def clean(step: Step) -> Step:
    """Drop empty arguments so tool defaults apply."""
    args = {k: v for k, v in step.args.items() if v not in (None, {}, [], False)}
    return Step(tool=step.tool, args=args)


def lead_set(step: Step) -> dict | None:
    """A listing step as LeadSet arguments (what an action can act on), or None."""
    a = step.args
    if step.tool == "count_leads" and not a.get("compare_with"):
        return {"filters": a.get("filters", {}), "created": a.get("created")}
    if step.tool == "top_leads":
        return {"filters": a.get("filters", {}), "top": a.get("n", 10)}
    if step.tool == "went_quiet":
        return {"filters": a.get("filters", {}), "quiet_after": a["campaign"]}
    if step.tool == "mql_count":
        return {"filters": a.get("filters", {}), "became_mql": a.get("period") or "last 30 days"}
    if step.tool == "segment_size":
        return {"filters": {"segment": a["name"]}}
    return None
