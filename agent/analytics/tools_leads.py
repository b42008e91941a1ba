"""Lead tools: count and list, breakdowns, trends, top leads, scores, segments, search, explain."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from agent.analytics.tool_args import (
    BreakdownArgs,
    CountLeadsArgs,
    ExplainArgs,
    FiltersOnly,
    SearchArgs,
    SegmentArgs,
    TopLeadsArgs,
    TrendArgs,
)
from agent.analytics.tools import (
    ToolContext,
    ToolError,
    ToolOutput,
    comparison,
    from_result,
    resolve,
    tool,
    with_previous,
)
from agent.analytics.wording import cap, change, count_of, plural, when
from core.models import Event
from tools.leads import LeadNotFound, explain, find_lead
from tools.metrics import LeadFilter, build, fetch, last_days
from tools.metrics_leads import count_leads, leads_by, leads_over_time, score_histogram, top_leads
from tools.segments import get_segment


@tool(
    "count_leads", "Count and list leads matching filters, optionally only new ones", CountLeadsArgs
)
def count_leads_tool(ctx: ToolContext, args: CountLeadsArgs) -> ToolOutput:
    """How many leads match (created in a range, when given), with the leads themselves."""
    period = resolve(args.created, ctx, None)
    result = count_leads(ctx.session, lead_filter=args.filters, period=period, as_of=ctx.now)
    who = args.filters.describe()
    if period:
        verb = "was" if result.value == 1 else "were"
        sentence = f"{count_of(result.value, who)} {verb} created {when(period)}."
    else:
        sentence = f"There are {count_of(result.value, who)} right now."
    before = comparison(args.compare_with, period, ctx)
    previous = None
    if before:
        previous = count_leads(ctx.session, lead_filter=args.filters, period=before, as_of=ctx.now)
        moved = change(result.value, previous.value)
        sentence += f" {cap(when(before))}: {previous.value:.0f}, so {moved}."
    return with_previous(from_result(result, sentence, chart=None), previous)


@tool(
    "leads_breakdown", "Leads per tier, stage, source, industry, persona or segment", BreakdownArgs
)
def breakdown_tool(ctx: ToolContext, args: BreakdownArgs) -> ToolOutput:
    """Leads per value of one attribute (or per segment)."""
    period = resolve(args.created, ctx, None)
    result = leads_by(
        ctx.session, args.dimension, lead_filter=args.filters, period=period, as_of=ctx.now
    )
    top = ", ".join(f"{k} {v:.0f}" for k, v in list(result.numbers.items())[:6])
    scope = f", created {when(period)}" if period else " right now"
    sentence = f"{cap(args.filters.describe())} by {args.dimension}{scope}: {top}."
    if result.value is not None:
        sentence += f" Total {result.value:.0f}."
    return from_result(result, sentence, chart="bars")


@tool("leads_trend", "New leads or new MQLs per day, week or month", TrendArgs)
def trend_tool(ctx: ToolContext, args: TrendArgs) -> ToolOutput:
    """A zero-filled series of new leads (or MQLs) per interval."""
    period = resolve(args.period, ctx, last_days(ctx.now, 90))
    event = "created" if args.subject == "new_leads" else "mql"
    result = leads_over_time(
        ctx.session, period, args.interval, event=event, lead_filter=args.filters, as_of=ctx.now
    )
    what = "new leads" if event == "created" else "leads reaching MQL"
    series = ", ".join(f"{k}: {v:.0f}" for k, v in result.numbers.items())
    sentence = f"{cap(what)} per {args.interval} {when(period)}: {series}."
    return from_result(result, sentence, chart="trend")


@tool("top_leads", "The best leads by score, fit score or engagement score", TopLeadsArgs)
def top_leads_tool(ctx: ToolContext, args: TopLeadsArgs) -> ToolOutput:
    """The n best leads, highest first."""
    result = top_leads(
        ctx.session, args.n, order_by=args.order_by, lead_filter=args.filters, as_of=ctx.now
    )
    names = "; ".join(f"{_name(r)} ({r[args.order_by]}, {r['tier']})" for r in result.rows[:10])
    order = args.order_by.replace("_", " ")
    sentence = f"Top {len(result.rows)} {args.filters.describe()} by {order}: {names}."
    return from_result(result, sentence, chart="bars")


def _name(row: dict) -> str:
    name = " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p)
    return name or row.get("email") or f"lead {row['id']}"


@tool("score_distribution", "How many leads fall in each 10-point score band", FiltersOnly)
def score_distribution_tool(ctx: ToolContext, args: FiltersOnly) -> ToolOutput:
    """Leads per score band."""
    result = score_histogram(ctx.session, lead_filter=args.filters, as_of=ctx.now)
    bands = ", ".join(f"{k}: {v:.0f}" for k, v in result.numbers.items())
    sentence = f"Score distribution of {args.filters.describe()}: {bands}."
    return from_result(result, sentence, chart="scores")


@tool("segment_size", "How many leads a saved segment has now, and who", SegmentArgs)
def segment_tool(ctx: ToolContext, args: SegmentArgs) -> ToolOutput:
    """A segment's size and members (its filter compiled by the segment filter language)."""
    segment = get_segment(ctx.session, args.name)
    result = count_leads(ctx.session, lead_filter=LeadFilter(segment=segment.name), as_of=ctx.now)
    sentence = (
        f"Segment {segment.name} ({segment.description or segment.filter}) has "
        f"{plural(result.value, 'lead')} right now; its filter is `{segment.filter}`."
    )
    return from_result(result, sentence)


@tool("search_leads", "Find leads whose email, name or company contains some text", SearchArgs)
def search_tool(ctx: ToolContext, args: SearchArgs) -> ToolOutput:
    """Up to 20 leads matching a text, highest score first."""
    params = {"q": "%" + args.query.replace("%", "").replace("_", "\\_") + "%"}
    sql = (
        "SELECT id, email, first_name, last_name, company, score, tier FROM leads "
        "WHERE email ILIKE :q OR company ILIKE :q OR "
        "concat_ws(' ', first_name, last_name) ILIKE :q ORDER BY score DESC, id LIMIT 20"
    )
    rows = fetch(ctx.session, sql, params)
    result = build(
        "search_leads",
        len(rows),
        sql,
        params,
        rows=rows,
        record_ids=[r["id"] for r in rows],
        record_count=len(rows),
    )
    found = "; ".join(f"{_name(r)} <{r['email']}> at {r['company']}" for r in rows[:5])
    sentence = f"{plural(len(rows), 'lead')} match {args.query!r}" + (
        f": {found}." if rows else "."
    )
    return from_result(result, sentence)


@tool("explain_score", "One lead's score explained line by line", ExplainArgs)
def explain_tool(ctx: ToolContext, args: ExplainArgs) -> ToolOutput:
    """The lead's score recomputed from its trail, with the reasons that add up to it."""
    try:
        lead = find_lead(ctx.session, args.lead)
    except LeadNotFound as exc:
        raise ToolError(f"there is no lead {args.lead!r}") from exc
    breakdown = explain(ctx.session, lead, as_of=ctx.now)
    stmt = select(Event).where(Event.lead_id == lead.id).order_by(Event.occurred_at, Event.id)
    sql = str(stmt.compile(dialect=postgresql.dialect()))
    result = build(
        "explain_score",
        breakdown.score,
        sql,
        {"lead_id_1": lead.id},
        numbers={
            "score": breakdown.score,
            "fit": breakdown.fit,
            "engagement": breakdown.engagement,
        },
        rows=[line.as_dict() for line in breakdown.lines],
        record_ids=[lead.id],
        record_count=1,
    )
    reasons = "; ".join(breakdown.top_reasons(4)) or "no scoring events"
    sentence = (
        f"{lead.full_name} <{lead.email}> scores {breakdown.score} (fit {breakdown.fit} + "
        f"engagement {breakdown.engagement}), tier {breakdown.tier}, stage {breakdown.stage}. "
        f"Biggest reasons: {reasons}."
    )
    return from_result(result, sentence)
