"""Funnel tools: MQL count and rate, conversions, timing, lead velocity, cohorts, the funnel."""

from __future__ import annotations

from agent.analytics.tool_args import (
    ConversionArgs,
    FiltersOnly,
    Scoped,
    TimingArgs,
    VelocityArgs,
)
from agent.analytics.tools import (
    ToolContext,
    ToolOutput,
    default_window,
    from_result,
    resolve,
    scoped_periods,
    tool,
    with_previous,
)
from agent.analytics.wording import cap, change, count_of, hours_text, pct, small_sample, when
from tools.metrics import month_of
from tools.metrics_cohorts import nurtured_vs_not, speed_to_lead, time_to_handoff
from tools.metrics_funnel import funnel_counts, lead_velocity, mql_count, mql_rate, stage_conversion


@tool("mql_count", "How many leads reached MQL in a period (optionally vs another)", Scoped)
def mql_count_tool(ctx: ToolContext, args: Scoped) -> ToolOutput:
    """Distinct leads with an mql_reached event in the period."""
    period, before = scoped_periods(ctx, args)
    kw = {"lead_filter": args.filters, "as_of": ctx.now}
    result = mql_count(ctx.session, period, **kw)
    sentence = f"{count_of(result.value, args.filters.describe())} reached MQL {when(period)}."
    previous = mql_count(ctx.session, before, **kw) if before else None
    if previous:
        moved = change(result.value, previous.value)
        sentence += f" {cap(when(before))}: {previous.value:.0f}, so {moved}."
    return with_previous(from_result(result, sentence, chart="bars"), previous)


@tool("mql_rate", "Share of new leads (created in the period) that reached MQL", Scoped)
def mql_rate_tool(ctx: ToolContext, args: Scoped) -> ToolOutput:
    """MQL rate of the leads created in the period."""
    period, before = scoped_periods(ctx, args)
    kw = {"lead_filter": args.filters, "as_of": ctx.now}
    result = mql_rate(ctx.session, period, **kw)
    n = result.numbers
    sentence = (
        f"MQL rate of {args.filters.describe()} created {when(period)}: {pct(result.value)} "
        f"({n['reached_mql']:.0f} of {n['new_leads']:.0f} reached MQL)."
    )
    previous = mql_rate(ctx.session, before, **kw) if before else None
    if previous:
        moved = change(result.value, previous.value, rate=True)
        sentence += f" {cap(when(before))}: {pct(previous.value)} {moved}".rstrip() + "."
    output = with_previous(from_result(result, sentence), previous)
    output.notes += [x for x in [small_sample(n["new_leads"], "new lead")] if x]
    return output


@tool("conversion", "MQL→SQL or lead→opportunity conversion rate in a period", ConversionArgs)
def conversion_tool(ctx: ToolContext, args: ConversionArgs) -> ToolOutput:
    """Conversion from one funnel stage to a later one."""
    period, before = scoped_periods(ctx, args)
    kw = {"lead_filter": args.filters, "as_of": ctx.now}
    result = stage_conversion(ctx.session, args.kind, period, **kw)
    n = list(result.numbers.values())
    label = "MQL→SQL" if args.kind == "mql_to_sql" else "Lead→opportunity"
    base = "MQLs" if args.kind == "mql_to_sql" else "new leads"
    sentence = (
        f"{label} conversion for {args.filters.describe()} {when(period)}: {pct(result.value)} "
        f"({n[2]:.0f} of {n[1]:.0f} {base})."
    )
    previous = stage_conversion(ctx.session, args.kind, before, **kw) if before else None
    if previous:
        moved = change(result.value, previous.value, rate=True)
        sentence += f" {cap(when(before))}: {pct(previous.value)} {moved}".rstrip() + "."
    output = with_previous(from_result(result, sentence), previous)
    output.notes += [x for x in [small_sample(n[1], base[:-1])] if x]
    return output


@tool("timing", "Speed-to-lead or time-to-handoff in hours (median and mean)", TimingArgs)
def timing_tool(ctx: ToolContext, args: TimingArgs) -> ToolOutput:
    """Median and mean hours for speed-to-lead or time-to-handoff."""
    period, before = scoped_periods(ctx, args)
    fn = speed_to_lead if args.metric == "speed_to_lead" else time_to_handoff
    kw = {"lead_filter": args.filters, "as_of": ctx.now}
    result = fn(ctx.session, period, **kw)
    n = list(result.numbers.values())
    if args.metric == "speed_to_lead":
        what = f"Speed-to-lead for {args.filters.describe()} created {when(period)}"
        tail = f"{n[2]:.0f} touched, {n[3]:.0f} not touched yet"
    else:
        what = f"Time-to-handoff for {args.filters.describe()} reaching MQL {when(period)}"
        tail = f"{n[2]:.0f} handed off, {n[3]:.0f} not yet"
    sentence = f"{what}: median {hours_text(result.value)}, mean {hours_text(n[1])} ({tail})."
    previous = fn(ctx.session, before, **kw) if before else None
    if previous:
        sentence += f" {cap(when(before))}: median {hours_text(previous.value)}."
    return with_previous(from_result(result, sentence), previous)


@tool("lead_velocity", "Lead velocity rate: month-over-month growth of MQLs", VelocityArgs)
def velocity_tool(ctx: ToolContext, args: VelocityArgs) -> ToolOutput:
    """MQLs in a month against the month before, as a growth rate."""
    month = resolve(args.month, ctx, month_of(ctx.now, "this month"))
    if month.unit != "month":
        month = month_of(month.start, month.label)
    result = lead_velocity(ctx.session, month, lead_filter=args.filters, as_of=ctx.now)
    n = result.numbers
    sentence = (
        f"Lead velocity {when(month)}: {pct(result.value)} ({n['mql']:.0f} MQLs against "
        f"{n['mql_previous']:.0f} the month before)."
    )
    return from_result(result, sentence, chart="bars")


@tool("nurtured_vs_not", "MQL rate of new leads that got emails vs those that got none", Scoped)
def nurtured_tool(ctx: ToolContext, args: Scoped) -> ToolOutput:
    """Nurtured and not-nurtured cohorts of new leads, with the MQL rate of each."""
    period = resolve(args.period, ctx, default_window(ctx, 90))
    result = nurtured_vs_not(ctx.session, period, lead_filter=args.filters, as_of=ctx.now)
    n = result.numbers
    sentence = (
        f"Of {args.filters.describe()} created {when(period)}, the {n['nurtured_leads']:.0f} "
        f"nurtured reached MQL at {pct(n['nurtured_mql_rate'])} and the "
        f"{n['not_nurtured_leads']:.0f} not nurtured at {pct(n['not_nurtured_mql_rate'])}. "
        "This compares groups; it does not prove the emails caused the difference."
    )
    return from_result(result, sentence, chart="bars")


@tool("funnel", "All-time funnel: leads, engaged, MQL, SQL, opportunity, customer", FiltersOnly)
def funnel_tool(ctx: ToolContext, args: FiltersOnly) -> ToolOutput:
    """How many leads reached each funnel stage."""
    result = funnel_counts(ctx.session, lead_filter=args.filters, as_of=ctx.now)
    steps = ", ".join(f"{k} {v:.0f}" for k, v in result.numbers.items())
    return from_result(result, f"Funnel for {args.filters.describe()}: {steps}.", chart="funnel")
