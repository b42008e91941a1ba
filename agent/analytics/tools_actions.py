"""Action tools: turn a lead set into a signed proposal (save as segment, enroll in a sequence).

They only read and sign; the write happens in `proposals.confirm` after a human confirms.
"""

from __future__ import annotations

import re

from agent.analytics.proposals import MAX_LEADS, make_proposal, segment_name_problem
from agent.analytics.tool_args import LeadSet, ProposeEnrollArgs, ProposeSegmentArgs
from agent.analytics.tools import ToolContext, ToolError, ToolOutput, from_result, resolve, tool
from agent.analytics.wording import plural
from tools.metrics import MetricResult, build, fetch
from tools.metrics_email import went_quiet_after
from tools.metrics_funnel import mql_count
from tools.metrics_leads import count_leads, top_leads

_SEQUENCE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")


def resolve_leads(ctx: ToolContext, leads: LeadSet) -> tuple[MetricResult, str]:
    """The leads of a set (as a metric result with their ids) and a description of the set."""
    narrowing = [
        k
        for k in ("lead_ids", "quiet_after", "became_mql", "top", "created")
        if getattr(leads, k) is not None
    ]
    if len(narrowing) > 1:
        raise ToolError(f"use one of {', '.join(narrowing)} to narrow the lead set, not several")
    who, kw = leads.filters.describe(), {"lead_filter": leads.filters, "as_of": ctx.now}
    if leads.lead_ids is not None:
        sql = "SELECT id FROM leads WHERE id = ANY(:ids) ORDER BY id"
        params = {"ids": leads.lead_ids[: MAX_LEADS + 1]}
        ids = [r["id"] for r in fetch(ctx.session, sql, params)]
        result = build("lead_ids", len(ids), sql, params, record_ids=ids, record_count=len(ids))
        return result, plural(len(ids), "chosen lead")
    if leads.quiet_after:
        result = went_quiet_after(ctx.session, leads.quiet_after, **kw)
        return result, f"{who} quiet since the {leads.quiet_after} email"
    if leads.became_mql:
        period = resolve(leads.became_mql, ctx, None)
        if period is None:
            raise ToolError("became_mql needs a time range")
        return mql_count(ctx.session, period, **kw), f"{who} that reached MQL {period.label}"
    if leads.top:
        return top_leads(ctx.session, leads.top, **kw), f"top {leads.top} {who} by score"
    period = resolve(leads.created, ctx, None)
    result = count_leads(ctx.session, period=period, **kw)
    return result, f"{who} created {period.label}" if period else who


def _dynamic_filter(ctx: ToolContext, leads: LeadSet) -> str | None:
    """The set as a live segment filter, when it is only attributes and behaviour."""
    narrowed = any(
        getattr(leads, k) is not None
        for k in ("lead_ids", "quiet_after", "became_mql", "top", "created")
    )
    return None if narrowed else leads.filters.filter_text(ctx.session)


def _fixed_list(ctx: ToolContext, ids: list[int]) -> tuple[str, int]:
    """A filter naming exactly these leads by email (leads without a usable email are left out)."""
    rows = fetch(
        ctx.session, "SELECT email FROM leads WHERE id = ANY(:ids) ORDER BY id", {"ids": ids}
    )
    emails = [r["email"] for r in rows if r["email"] and "'" not in r["email"]]
    if not emails:
        raise ToolError("none of these leads has an email address a segment can name")
    quoted = ", ".join(f"'{e}'" for e in emails)
    return f"email in ({quoted})", len(ids) - len(emails)


def _slug(text: str) -> str:
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", text.lower())).strip("_")[:64] or "ask"


@tool(
    "propose_segment",
    "Propose saving a lead set as a segment (confirmed by a human)",
    ProposeSegmentArgs,
)
def propose_segment(ctx: ToolContext, args: ProposeSegmentArgs) -> ToolOutput:
    """A signed proposal to save the set: a live filter when possible, else a fixed list."""
    result, described = resolve_leads(ctx, args.leads)
    if not result.record_count:
        raise ToolError(f"there are no {described} to save")
    name = args.name or _slug(described)
    if problem := segment_name_problem(ctx.session, name):
        raise ToolError(problem)
    filter_, dropped = _dynamic_filter(ctx, args.leads), 0
    if filter_ is None:
        if result.record_count > MAX_LEADS:
            raise ToolError(
                f"{result.record_count} leads is too many for a fixed list "
                f"(at most {MAX_LEADS}); describe them with filters instead"
            )
        filter_, dropped = _fixed_list(ctx, result.record_ids)
    kind = "live filter" if not filter_.startswith("email in (") else "fixed list"
    params = {"name": name, "filter": filter_, "description": f"{described} (from ask)"}
    summary = (
        f"Save {plural(result.record_count, 'lead')} ({described}) as segment {name} ({kind})."
    )
    proposal = make_proposal(
        "save_segment", params, result.record_ids, summary, secret=ctx.secret, now=ctx.now
    )
    sentence = f"{summary} Nothing is saved until someone confirms."
    output = from_result(result, sentence, proposal=proposal, value=result.record_count)
    if dropped:
        output.notes.append(f"{plural(dropped, 'lead')} without a usable email left out")
    return output


@tool(
    "propose_enrollment",
    "Propose enrolling a lead set in a sequence (confirmed by a human)",
    ProposeEnrollArgs,
)
def propose_enrollment(ctx: ToolContext, args: ProposeEnrollArgs) -> ToolOutput:
    """A signed proposal to enroll the set's leads (at most MAX_LEADS) in a sequence."""
    sequence = args.sequence.strip().lower().replace(" ", "_")
    if not _SEQUENCE.match(sequence):
        raise ToolError(f"{args.sequence!r} is not a sequence name")
    result, described = resolve_leads(ctx, args.leads)
    if not result.record_count:
        raise ToolError(f"there are no {described} to enroll")
    if result.record_count > MAX_LEADS:
        raise ToolError(
            f"{result.record_count} leads is more than one proposal may enroll "
            f"(at most {MAX_LEADS}); narrow the set"
        )
    summary = f"Enroll {plural(result.record_count, 'lead')} ({described}) in sequence {sequence}."
    proposal = make_proposal(
        "enroll", {"sequence": sequence}, result.record_ids, summary, secret=ctx.secret, now=ctx.now
    )
    sentence = (
        f"{summary} Nothing happens until someone confirms; guardrails (suppression, "
        "one active sequence per lead) still apply at enrollment."
    )
    return from_result(result, sentence, proposal=proposal, value=result.record_count)
